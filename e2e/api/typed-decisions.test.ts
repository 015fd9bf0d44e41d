import { beforeAll, describe, expect, it } from 'vitest';
import { resumeDecidedExecutions } from '@/lib/core/worker/resume-decided-executions';
import { log } from '@/lib/log';
import type { ApprovalDto } from '@/lib/core/approvals/approval-dto';
import { testDb, uid, userWithToken } from '../helpers/env';
import { api, expectError } from '../helpers/http';
import { createWorkflowApi as createWorkflow, startExecutionApi as startExecution, type ExecutionDetail } from '../helpers/workflows';

/**
 * Issue 13, typed input and decisions bound to what the approver saw — over real HTTP against the
 * real server: input_schema checked at creation, decision data and pause resume_data validated
 * (422 naming the path, nothing written), payload_version and payload_hash, 409 payload_changed,
 * stale votes kept but not counted, approve with edits (version n+1, its diff on the timeline, the
 * editor's approval of n+1, the others must approve n+1).
 */
type Person = Awaited<ReturnType<typeof userWithToken>>;

const SCHEMA = {
  type: 'object',
  properties: {
    cost_center: { type: 'string', enum: ['ops', 'sales', 'rnd'], description: 'Who pays' },
    approved_amount: { type: 'integer', minimum: 1, maximum: 100000 },
    note: { type: 'string', maxLength: 200 },
    amount: { type: 'integer', minimum: 1 },
  },
  required: ['cost_center', 'approved_amount'],
  additionalProperties: false,
};

const typedApproval = (required = 1) => ({
  steps: [
    {
      id: 'sign-off',
      type: 'approval',
      reason: 'Check the refund',
      required_approvals: required,
      approver_role: 'approver',
      input_schema: SCHEMA,
      editable: ['amount', 'note'],
      on_approve: 'pay',
    },
    { id: 'pay', type: 'action', action: { type: 'set', values: { paid: true } } },
  ],
});

const TYPED_PAUSE = {
  steps: [
    {
      id: 'wait-bank',
      type: 'pause',
      reason: 'Bank confirms',
      input_schema: { type: 'object', properties: { reference: { type: 'string', pattern: '^TX-[0-9]+$' }, settled: { type: 'boolean' } }, required: ['reference'] },
      next: 'done',
    },
    { id: 'done', type: 'action', action: { type: 'set', values: { done: true } } },
  ],
};

let starter: Person;
let a1: Person;
let a2: Person;
let admin: Person;
let single: string;
let quorum: string;
let pauseKey: string;

beforeAll(async () => {
  [starter, a1, a2, admin] = await Promise.all([userWithToken('admin'), userWithToken('approver'), userWithToken('approver'), userWithToken('admin')]);
  [single, quorum, pauseKey] = await Promise.all([
    createWorkflow(starter.token, typedApproval(1), 'Typed refund'),
    createWorkflow(starter.token, typedApproval(2), 'Typed refund, two'),
    createWorkflow(starter.token, TYPED_PAUSE, 'Typed pause'),
  ]);
});

async function pending(key: string, payload: Record<string, unknown> = { amount: 1200, note: '' }) {
  const ex = await startExecution(starter.token, key, payload);
  expect(ex.status).toBe('paused');
  const d = (await api(starter.token).get<ExecutionDetail>(`/api/v1/executions/${ex.id}`)).body;
  return { id: ex.id, approval: d.approvals[0]! };
}

const approval = async (id: string) => (await api(starter.token).get<ApprovalDto>(`/api/v1/approvals/${id}`)).body;
const detail = async (id: string) => (await api(starter.token).get<ExecutionDetail>(`/api/v1/executions/${id}`)).body;

/** Everything a refused request must leave alone. */
async function snapshot(id: string, approvalId: string) {
  const d = await detail(id);
  const a = await approval(approvalId);
  return { status: d.status, version: d.version, events: d.events.length, context: d.context, approval: a.status, received: a.approvals_received, decisions: a.decisions.length, pv: a.payload_version };
}

describe('input_schema at workflow creation', () => {
  it.each([
    ['a keyword of the wrong type', { type: 'object', properties: { n: { type: 'integer', minimum: 'one' } } }, 'definition.steps.0.input_schema.properties.n.minimum'],
    ['an unknown type', { type: 'object', properties: { n: { type: 'money' } } }, 'definition.steps.0.input_schema.properties.n.type'],
    ['not an object schema', { type: 'string' }, 'definition.steps.0.input_schema.type'],
    ['an unknown keyword (strict)', { type: 'object', properties: { n: { type: 'string', maxlen: 3 } } }, 'definition.steps.0.input_schema'],
    ['a decision field name', { type: 'object', properties: { approved: { type: 'boolean' } } }, 'definition.steps.0.input_schema.properties.approved'],
  ])('refuses %s with 422 naming the path', async (_name, schema, path) => {
    const definition = { steps: [{ id: 'a', type: 'approval', reason: 'x', input_schema: schema }] };
    const res = await api(admin.token).post('/api/v1/workflows', { key: uid('bad'), name: 'Bad', definition });
    const body = expectError(res, 422, 'validation_failed');
    expect(body.error.message.startsWith(path), body.error.message).toBe(true);
  });

  it('refuses a bad schema on a pause step and duplicate editable fields', async () => {
    const pauseBad = { steps: [{ id: 'p', type: 'pause', input_schema: { type: 'object', required: 'ref' } }] };
    let body = expectError(await api(admin.token).post('/api/v1/workflows', { key: uid('bad'), name: 'Bad', definition: pauseBad }), 422, 'validation_failed');
    expect(body.error.message.startsWith('definition.steps.0.input_schema.required')).toBe(true);
    const dup = { steps: [{ id: 'a', type: 'approval', reason: 'x', editable: ['amount', 'amount'] }] };
    body = expectError(await api(admin.token).post('/api/v1/workflows', { key: uid('bad'), name: 'Bad', definition: dup }), 422, 'validation_failed');
    expect(body.error.message.startsWith('definition.steps.0.editable.1')).toBe(true);
    const requiredEditable = { steps: [{ id: 'a', type: 'approval', reason: 'x', editable: ['amount'], input_schema: { type: 'object', properties: { amount: { type: 'integer' } }, required: ['amount'] } }] };
    body = expectError(await api(admin.token).post('/api/v1/workflows', { key: uid('bad'), name: 'Bad', definition: requiredEditable }), 422, 'validation_failed');
    expect(body.error.message.startsWith('definition.steps.0.editable.0')).toBe(true);
  });

  it('keeps the fields in the order the author wrote them, in the workflow and on the request (forms show them so)', async () => {
    const wf = (await api(admin.token).get<{ definition: { steps: { input_schema?: { properties: object } }[] } }>(`/api/v1/workflows/${pauseKey}`)).body;
    expect(Object.keys(wf.definition.steps[0]!.input_schema!.properties)).toEqual(['reference', 'settled']);
    const { approval: a } = await pending(single);
    expect(Object.keys(a.input_schema!.properties as object)).toEqual(['cost_center', 'approved_amount', 'note', 'amount']);
    expect(Object.keys((await approval(a.id)).input_schema!.properties as object)).toEqual(['cost_center', 'approved_amount', 'note', 'amount']);
  });

  it('shows the schema, the editable fields and payload version 1 with its hash on the request', async () => {
    const { approval: a } = await pending(single);
    expect(a.input_schema).toEqual(SCHEMA);
    expect(a.editable).toEqual(['amount', 'note']);
    expect(a.payload_version).toBe(1);
    expect(a.payload_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('typed decisions', () => {
  it('refuses data that does not match with 422 naming the failing path, writing nothing', async () => {
    const { id, approval: a } = await pending(single);
    const before = await snapshot(id, a.id);
    const cases: [unknown, string][] = [
      [{}, 'data.cost_center: is required'],
      [{ cost_center: 'marketing', approved_amount: 5 }, 'data.cost_center: must be one of "ops", "sales", "rnd"'],
      [{ cost_center: 'ops', approved_amount: 0 }, 'data.approved_amount: must be >= 1'],
      [{ cost_center: 'ops', approved_amount: 1.5 }, 'data.approved_amount: must be integer'],
      [{ cost_center: 'ops', approved_amount: 5, extra: 1 }, 'data.extra: is not allowed by the input schema'],
    ];
    for (const [data, message] of cases) {
      const body = expectError(await api(a1.token).post(`/api/v1/approvals/${a.id}/approve`, { data, payload_version: 1 }), 422, 'validation_failed');
      expect(body.error.message).toBe(message);
      expect(body.error.details?.[0]?.path).toBe(message.split(':')[0]);
    }
    // A rejection need not fill the form, but data it sends must match.
    expectError(await api(a1.token).post(`/api/v1/approvals/${a.id}/reject`, { data: { approved_amount: -1 } }), 422, 'validation_failed');
    // The resume route's vote is judged the same way.
    const res = await api(admin.token).post(`/api/v1/executions/${id}/resume`, { resume_data: { approved: true, data: { cost_center: 'nope' } } });
    expect(expectError(res, 422, 'validation_failed').error.message).toBe('data.approved_amount: is required');
    expect(await snapshot(id, a.id)).toEqual(before);
  });

  it('puts valid data in resume_data and the context (approve route, then the worker resumes)', async () => {
    const { id, approval: a } = await pending(single);
    const res = await api(a1.token).post<ApprovalDto>(`/api/v1/approvals/${a.id}/approve`, { data: { cost_center: 'ops', approved_amount: 900 }, payload_version: 1 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status).toBe('approved');
    expect(res.body.decisions[0]).toMatchObject({ actor: a1.email, payload_version: 1, stale: false, data: { cost_center: 'ops', approved_amount: 900 } });
    const decided = await detail(id);
    expect(decided.resume_data).toMatchObject({ approved: true, cost_center: 'ops', approved_amount: 900, payload_version: 1 });
    await resumeDecidedExecutions(testDb(), { batchSize: 1, now: () => new Date(), log, executionId: id });
    const done = await detail(id);
    expect(done.status).toBe('completed');
    expect(done.context).toMatchObject({ amount: 1200, cost_center: 'ops', approved_amount: 900, approved: true, paid: true });
  });

  it('a resume that votes carries data too, and lands it in the context at once', async () => {
    const { id } = await pending(single);
    const res = await api(admin.token).post(`/api/v1/executions/${id}/resume`, { resume_data: { approved: true, comment: 'ok', data: { cost_center: 'rnd', approved_amount: 7 }, payload_version: 1 } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status).toBe('completed');
    expect(res.body.context).toMatchObject({ cost_center: 'rnd', approved_amount: 7, approved: true, comment: 'ok' });
  });

  it('validates a pause step’s resume_data against its schema (422 naming the path, nothing written)', async () => {
    const ex = await startExecution(starter.token, pauseKey, {});
    expect(ex.status).toBe('paused');
    const before = await detail(ex.id);
    let res = await api(admin.token).post(`/api/v1/executions/${ex.id}/resume`, { resume_data: { settled: true } });
    expect(expectError(res, 422, 'validation_failed').error.message).toBe('resume_data.reference: is required');
    res = await api(admin.token).post(`/api/v1/executions/${ex.id}/resume`, { resume_data: { reference: 'abc' } });
    expect(expectError(res, 422, 'validation_failed').error.message).toBe('resume_data.reference: must match pattern "^TX-[0-9]+$"');
    const after = await detail(ex.id);
    expect({ status: after.status, version: after.version, events: after.events.length }).toEqual({ status: 'paused', version: before.version, events: before.events.length });
    res = await api(admin.token).post(`/api/v1/executions/${ex.id}/resume`, { resume_data: { reference: 'TX-42', settled: true } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status).toBe('completed');
    expect(res.body.context).toMatchObject({ reference: 'TX-42', settled: true, done: true });
    expect(res.body.resume_data).toEqual({ reference: 'TX-42', settled: true });
  });
});

describe('bound to what the approver saw', () => {
  it('refuses a vote for another payload version with 409 payload_changed', async () => {
    const { id, approval: a } = await pending(quorum);
    const before = await snapshot(id, a.id);
    const body = expectError(await api(a1.token).post(`/api/v1/approvals/${a.id}/approve`, { data: { cost_center: 'ops', approved_amount: 5 }, payload_version: 2 }), 409, 'payload_changed');
    expect(body.error.message).toMatch(/payload_version 2 does not exist/);
    expect(await snapshot(id, a.id)).toEqual(before);
  });

  it('approve with edits: version n+1, the diff on the timeline, the editor’s approval; stale votes kept, not counted; the others must approve n+1', async () => {
    const { id, approval: a } = await pending(quorum, { amount: 1200, note: '' });
    const hash1 = a.payload_hash;
    // a1 approves version 1: one of two.
    let res = await api(a1.token).post<ApprovalDto>(`/api/v1/approvals/${a.id}/approve`, { data: { cost_center: 'ops', approved_amount: 1200 }, payload_version: 1 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.approvals_received).toBe(1);
    // a2 edits the amount: version 2, counted as a2's approval of it; a1's vote is stale.
    res = await api(a2.token).post<ApprovalDto>(`/api/v1/approvals/${a.id}/approve`, {
      edits: { amount: 900, note: 'capped' },
      data: { cost_center: 'ops', approved_amount: 900 },
      payload_version: 1,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'pending', payload_version: 2, approvals_received: 1 });
    expect(res.body.payload_hash).not.toBe(hash1);
    expect(res.body.decisions.map((d) => [d.actor, d.payload_version, d.stale])).toEqual([
      [a1.email, 1, true],
      [a2.email, 2, false],
    ]);
    const d = await detail(id);
    expect(d.context).toMatchObject({ amount: 900, note: 'capped' });
    const edited = d.events.find((e) => e.type === 'payload_edited')!;
    expect(edited.actor).toBe(a2.email);
    expect(edited.data).toMatchObject({
      approval_id: a.id,
      from_version: 1,
      to_version: 2,
      edited_by: a2.email,
      changes: [
        { field: 'amount', old: 1200, new: 900 },
        { field: 'note', old: '', new: 'capped' },
      ],
    });
    // a2 cannot vote again on version 2; a1's vote on version 1 is refused now.
    expectError(await api(a2.token).post(`/api/v1/approvals/${a.id}/approve`, { data: { cost_center: 'ops', approved_amount: 900 }, payload_version: 2 }), 409, 'already_decided');
    const stale = expectError(await api(a1.token).post(`/api/v1/approvals/${a.id}/approve`, { data: { cost_center: 'ops', approved_amount: 1200 }, payload_version: 1 }), 409, 'payload_changed');
    expect(stale.error.message).toMatch(/^payload changed: you decided on version 1, the request is now at version 2/);
    expect((await approval(a.id)).approvals_received).toBe(1);
    // a1 approves version 2: the quorum (a2's and a1's votes on version 2) is reached.
    res = await api(a1.token).post<ApprovalDto>(`/api/v1/approvals/${a.id}/approve`, { data: { cost_center: 'sales', approved_amount: 900 }, payload_version: 2 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'approved', approvals_received: 2 });
    expect(res.body.decisions.filter((x) => !x.stale).map((x) => x.actor)).toEqual([a2.email, a1.email]);
    const decided = await detail(id);
    expect(decided.resume_data).toMatchObject({ approved: true, approvers: [a2.email, a1.email], cost_center: 'sales', payload_version: 2 });
  });

  it('refuses edits of unknown or non-editable fields, values the schema refuses, and edits on a reject, with 422 and nothing written', async () => {
    const { id, approval: a } = await pending(single);
    const before = await snapshot(id, a.id);
    const data = { cost_center: 'ops', approved_amount: 5 };
    let body = expectError(await api(a1.token).post(`/api/v1/approvals/${a.id}/approve`, { edits: { approved_by_cfo: true }, data, payload_version: 1 }), 422, 'validation_failed');
    expect(body.error.message).toBe('edits.approved_by_cfo: is not editable (editable: amount, note)');
    body = expectError(await api(a1.token).post(`/api/v1/approvals/${a.id}/approve`, { edits: { cost_center: 'rnd' }, data }), 422, 'validation_failed');
    expect(body.error.message).toBe('edits.cost_center: is not editable (editable: amount, note)');
    body = expectError(await api(a1.token).post(`/api/v1/approvals/${a.id}/approve`, { edits: { amount: 0 }, data }), 422, 'validation_failed');
    expect(body.error.message).toBe('edits.amount: must be >= 1');
    body = expectError(await api(a1.token).post(`/api/v1/approvals/${a.id}/reject`, { edits: { amount: 5 } }), 422, 'validation_failed');
    expect(body.error.message).toBe('edits: only an approval can carry edits');
    // An editable field changes by edits (a new version), never slipped in through data.
    body = expectError(await api(a1.token).post(`/api/v1/approvals/${a.id}/approve`, { data: { ...data, amount: 1 } }), 422, 'validation_failed');
    expect(body.error.message).toBe('data.amount: is an editable payload field: change it with edits, not data');
    expect(await snapshot(id, a.id)).toEqual(before);
  });

  it('refuses edits on a step without editable fields', async () => {
    const key = await createWorkflow(starter.token, { steps: [{ id: 'ok', type: 'approval', reason: 'x', approver_role: 'approver' }] }, 'No edits');
    const { approval: a } = await pending(key);
    expect(a.editable).toEqual([]);
    const body = expectError(await api(a1.token).post(`/api/v1/approvals/${a.id}/approve`, { edits: { amount: 5 } }), 422, 'validation_failed');
    expect(body.error.message).toBe('edits: this approval step has no editable fields');
  });

  it('an edit that decides the quorum of one approves version n+1 at once', async () => {
    const { id, approval: a } = await pending(single);
    const res = await api(a1.token).post<ApprovalDto>(`/api/v1/approvals/${a.id}/approve`, { edits: { amount: 700 }, data: { cost_center: 'ops', approved_amount: 700 }, payload_version: 1 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'approved', payload_version: 2 });
    expect((await detail(id)).resume_data).toMatchObject({ approved: true, payload_version: 2, approved_amount: 700 });
  });
});
