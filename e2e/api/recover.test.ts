import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { expirePausedExecutions } from '@/lib/core/worker/expire-paused-executions';
import { log } from '@/lib/log';
import { testDb, userWithToken } from '../helpers/env';
import { api, expectError } from '../helpers/http';
import { createWorkflowApi, startExecutionApi, type ExecutionDetail, type ExecutionDto } from '../helpers/workflows';

/**
 * Issue 13, recover: extend a pause's deadline (bounded by PAUSE_EXTEND_MAX from the pause), and
 * reopen an approval that expired or was rejected when its execution ended because of it. Each is a
 * compare-and-set in one transaction with its event; racing callers get 409. Real HTTP, real PostgreSQL.
 */
type Person = Awaited<ReturnType<typeof userWithToken>>;
type Approval = { id: string; status: string; step_id: string; execution_id: string; assigned_to?: string[] };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const CALLBACK = {
  steps: [
    { id: 'wait', type: 'pause', reason: 'Awaiting a callback', timeout: 'PT1H', next: 'done' },
    { id: 'done', type: 'action', action: { type: 'set', values: { done: true } } },
  ],
};
const gate = (extra: Record<string, unknown> = {}) => ({
  steps: [
    { id: 'prepare', type: 'action', action: { type: 'set', values: { prepared: true } }, next: 'gate' },
    { id: 'gate', type: 'approval', reason: 'Sign-off', timeout: 'PT2H', on_approve: 'ship', ...extra },
    { id: 'ship', type: 'action', action: { type: 'set', values: { shipped: true } } },
    { id: 'refund', type: 'action', action: { type: 'set', values: { refunded: true } } },
  ],
});

let starter: Person; // starts everything: deciding (or reopening) would be self-approval
let operator: Person;
let approver: Person;
let approver2: Person;
let decider: Person; // an admin: may resume-as-vote (execution:cancel + approval:decide)
let callbackKey: string;
let gateKey: string;
let gateWithRejectBranch: string;

beforeAll(async () => {
  [starter, operator, approver, approver2, decider] = await Promise.all([
    userWithToken('admin'),
    userWithToken('operator'),
    userWithToken('approver'),
    userWithToken('approver'),
    userWithToken('admin'),
  ]);
  callbackKey = await createWorkflowApi(starter.token, CALLBACK, 'Extend me');
  gateKey = await createWorkflowApi(starter.token, gate(), 'Reopen me');
  gateWithRejectBranch = await createWorkflowApi(starter.token, gate({ on_reject: 'refund' }), 'Reject branch');
});

const detail = async (id: string) => (await api(starter.token).get<ExecutionDetail>(`/api/v1/executions/${id}`)).body;
const extend = (token: string, id: string, body: unknown) => api(token).post<ExecutionDto>(`/api/v1/executions/${id}/extend`, body);
const reopen = (token: string, approvalId: string, body: unknown = {}) => api(token).post<Approval>(`/api/v1/approvals/${approvalId}/reopen`, body);
async function stateOf(id: string) {
  const d = await detail(id);
  return { status: d.status, version: d.version, events: d.events.length, deadline: d.pause_expires_at, approvals: d.approvals.map((a) => a.status) };
}
/** A rejection that ends the execution at once: a resume-as-vote (no worker runs on this database). */
const rejectNow = (id: string) => api(decider.token).post<ExecutionDto>(`/api/v1/executions/${id}/resume`, { resume_data: { approved: false, comment: 'not yet' } });
async function pendingGate(key = gateKey) {
  const ex = await startExecutionApi(starter.token, key, { order: 7 });
  expect(ex.status).toBe('paused');
  return { id: ex.id, approvalId: (await detail(ex.id)).approvals[0]!.id };
}

describe('POST /api/v1/executions/{id}/extend', () => {
  it('moves the deadline by a duration or to a time, with an extended event each', async () => {
    const ex = await startExecutionApi(starter.token, callbackKey);
    const deadline = new Date(ex.pause_expires_at!).getTime();
    const by = await extend(operator.token, ex.id, { by: 'PT24H' });
    expect(by.status, JSON.stringify(by.body)).toBe(200);
    expect(new Date(by.body.pause_expires_at!).getTime()).toBe(deadline + DAY);
    expect(by.body.version).toBe(ex.version + 1);
    const until = new Date(Date.now() + 3 * DAY).toISOString();
    const to = await extend(operator.token, ex.id, { until });
    expect(to.status).toBe(200);
    expect(to.body.pause_expires_at).toBe(until);
    const events = (await detail(ex.id)).events.filter((e) => e.type === 'extended');
    expect(events.map((e) => e.data)).toEqual([
      { from: ex.pause_expires_at, to: by.body.pause_expires_at, by: 'PT24H' },
      { from: by.body.pause_expires_at, to: until, until },
    ]);
    expect(events[0]!.actor).toBe(operator.email);
    // Still resumable, and the worker's expiry goes by the new deadline.
    expect((await api(operator.token).post(`/api/v1/executions/${ex.id}/resume`, { resume_data: { ok: 1 } })).body.status).toBe('completed');
  });

  it("moves an approval's timeout too, and its decision links' end with it", async () => {
    const assigned = await userWithToken('approver');
    const { id, approvalId } = await pendingGate(await createWorkflowApi(starter.token, gate({ assignees: [assigned.email] }), 'Linked'));
    const before = await detail(id);
    const links = async () =>
      (await testDb().execute<{ expires_at: Date }>(sql`select expires_at from decision_links where approval_id = ${approvalId}::uuid`)).rows.map((r) => new Date(r.expires_at).toISOString());
    expect(await links()).toEqual([before.pause_expires_at]); // a link ends with its request's deadline
    const res = await extend(decider.token, id, { by: 'P1D' });
    expect(res.status).toBe(200);
    expect(new Date(res.body.pause_expires_at!).getTime()).toBe(new Date(before.pause_expires_at!).getTime() + DAY);
    expect(await links()).toEqual([res.body.pause_expires_at]);
    expect((await detail(id)).approvals[0]!.status).toBe('pending');
  });

  it('refuses a deadline past PAUSE_EXTEND_MAX (30 days) from the pause or in the past (422), writing nothing', async () => {
    const ex = await startExecutionApi(starter.token, callbackKey);
    const before = await stateOf(ex.id);
    const paused = new Date(ex.paused_at!).getTime();
    expect(expectError(await extend(operator.token, ex.id, { by: 'P31D' }), 422, 'validation_failed').error.message).toMatch(/PAUSE_EXTEND_MAX/);
    expectError(await extend(operator.token, ex.id, { until: new Date(paused + 30 * DAY + 1000).toISOString() }), 422, 'validation_failed');
    expect(expectError(await extend(operator.token, ex.id, { until: new Date(Date.now() - HOUR).toISOString() }), 422, 'validation_failed').error.message).toMatch(/in the past/);
    for (const bad of [{}, { by: 'tomorrow' }, { by: 'PT0S' }, { until: 'soon' }, { by: 'PT1H', until: new Date().toISOString() }, { by: 3600 }]) {
      expectError(await extend(operator.token, ex.id, bad), 422, 'validation_failed');
    }
    expect(await stateOf(ex.id)).toEqual(before);
    // Up to the bound exactly is fine.
    expect((await extend(operator.token, ex.id, { until: new Date(paused + 30 * DAY).toISOString() })).status).toBe(200);
  });

  it('answers 409 not_paused unless paused, 404 for an unknown id, 403 without execution:cancel', async () => {
    const ex = await startExecutionApi(starter.token, callbackKey);
    await api(operator.token).post(`/api/v1/executions/${ex.id}/resume`, {});
    expectError(await extend(operator.token, ex.id, { by: 'PT1H' }), 409, 'not_paused');
    expectError(await extend(operator.token, '00000000-0000-4000-8000-000000000000', { by: 'PT1H' }), 404, 'not_found');
    const paused = await startExecutionApi(starter.token, callbackKey);
    expectError(await extend(approver.token, paused.id, { by: 'PT1H' }), 403, 'forbidden');
  });

  it('serialises racing extends with a resume: each either applies on the latest state or gets 409', async () => {
    const ex = await startExecutionApi(starter.token, callbackKey);
    const calls = await Promise.all([
      ...Array.from({ length: 5 }, () => extend(operator.token, ex.id, { by: 'PT1H' })),
      api(operator.token).post(`/api/v1/executions/${ex.id}/resume`, {}),
      ...Array.from({ length: 5 }, () => extend(operator.token, ex.id, { by: 'PT1H' })),
    ]);
    for (const c of calls) expect([200, 409], JSON.stringify(c.body)).toContain(c.status);
    const d = await detail(ex.id);
    const extended = d.events.filter((e) => e.type === 'extended');
    const ok = calls.filter((c, i) => i !== 5 && c.status === 200).length;
    expect(extended).toHaveLength(ok);
    // Every applied extend moved the deadline on from the one before it: none lost, none applied twice.
    extended.forEach((e, i) => {
      if (i > 0) expect(e.data!.from).toBe(extended[i - 1]!.data!.to);
    });
    expect(d.status).toBe('completed');
  });
});

describe('POST /api/v1/approvals/{id}/reopen', () => {
  it('reopens a rejected request whose execution ended by it: a new pending request at the same step, nothing earlier re-run', async () => {
    const { id, approvalId } = await pendingGate();
    expect((await rejectNow(id)).status).toBe(200);
    expect((await detail(id)).status).toBe('rejected');
    const res = await reopen(approver2.token, approvalId, { reason: 'new information' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'pending', step_id: 'gate', execution_id: id });
    expect(res.body.id).not.toBe(approvalId);
    const d = await detail(id);
    expect(d).toMatchObject({ status: 'paused', paused_step_id: 'gate', pause_kind: 'approval', paused_by: starter.email, completed_at: null, error: null });
    expect(new Date(d.pause_expires_at!).getTime()).toBeGreaterThan(Date.now() + 2 * HOUR - 60_000); // the step's fresh timeout
    expect(d.approvals.map((a) => [a.id, a.status])).toEqual(expect.arrayContaining([[approvalId, 'rejected'], [res.body.id, 'pending']]));
    const reopened = d.events.find((e) => e.type === 'reopened')!;
    expect(reopened).toMatchObject({ actor: approver2.email, step_id: 'gate' });
    expect(reopened.data).toMatchObject({ approval_id: res.body.id, previous_approval_id: approvalId, previous_status: 'rejected', execution_was: 'rejected', reason: 'new information' });
    expect(d.events.filter((e) => e.type === 'step_completed' && e.step_id === 'prepare')).toHaveLength(1);
    // The new request decides the execution as usual: approved now, it runs on.
    const done = await api(decider.token).post<ExecutionDto>(`/api/v1/executions/${id}/resume`, { resume_data: { approved: true } });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ status: 'completed', context: { prepared: true, shipped: true } });
    // The old request cannot be reopened again: later steps ran.
    expectError(await reopen(approver2.token, approvalId), 409, 'conflict');
  });

  it('reopens a request that expired (the worker ended the execution), with new notifications for the same assignees', async () => {
    const assigned = await userWithToken('approver');
    const key = await createWorkflowApi(starter.token, gate({ assignees: [assigned.email] }), 'Assigned');
    const { id, approvalId } = await pendingGate(key);
    // Only this pause is due at this (past) clock: the real expiry phase, touching nothing of other tests.
    await testDb().execute(sql`update workflow_executions set pause_expires_at = '2001-01-01T00:00:00Z' where id = ${id}::uuid`);
    await expirePausedExecutions(testDb(), { batchSize: 50, now: () => new Date('2001-01-02T00:00:00Z'), log });
    expect((await detail(id)).status).toBe('expired');
    expect((await api(starter.token).get(`/api/v1/approvals/${approvalId}`)).body.status).toBe('expired');
    // Only people who may decide it may reopen it.
    expectError(await reopen(approver.token, approvalId), 403, 'forbidden');
    expectError(await reopen(starter.token, approvalId), 403, 'self_approval');
    expectError(await reopen(operator.token, approvalId), 403, 'forbidden');
    const res = await reopen(assigned.token, approvalId);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.assigned_to).toEqual([assigned.email]);
    const sent = await testDb().execute<{ approval_id: string; recipient: string; link_token: string | null }>(
      sql`select approval_id, recipient, link_token from notifications where execution_id = ${id}::uuid and kind = 'requested' order by created_at`,
    );
    expect(sent.rows.filter((r) => r.approval_id === res.body.id).map((r) => r.recipient)).toContain(assigned.email);
    expect(sent.rows.filter((r) => r.approval_id === res.body.id && r.link_token).length).toBeGreaterThan(0);
    expect((await detail(id)).status).toBe('paused');
    const done = await api(decider.token).post<ExecutionDto>(`/api/v1/executions/${id}/resume`, { resume_data: { approved: true } });
    // The decider is an admin, not assigned: the assignment stands on the new request too.
    expectError(done, 403, 'forbidden');
    const approved = await api(assigned.token).post(`/api/v1/approvals/${res.body.id}/approve`, {});
    expect(approved.status).toBe(200);
  });

  it('answers 409 when later steps already ran (a reject branch), or the request is not expired/rejected', async () => {
    const branch = await pendingGate(gateWithRejectBranch);
    expect((await rejectNow(branch.id)).status).toBe(200);
    const d = await detail(branch.id);
    expect(d.status).toBe('completed');
    expect(d.context).toMatchObject({ refunded: true });
    const before = await stateOf(branch.id);
    expect(expectError(await reopen(approver2.token, branch.approvalId), 409, 'conflict').error.message).toMatch(/later steps already ran/);
    expect(await stateOf(branch.id)).toEqual(before);

    const pending = await pendingGate();
    expect(expectError(await reopen(approver.token, pending.approvalId), 409, 'conflict').error.message).toMatch(/pending/);
    // Cancelled while pending: the request was closed by the cancel, not by a decision or timeout.
    await api(operator.token).post(`/api/v1/executions/${pending.id}/cancel`, {});
    expect(expectError(await reopen(approver.token, pending.approvalId), 409, 'conflict').error.message).toMatch(/cancelled/);
    expectError(await reopen(approver.token, '00000000-0000-4000-8000-000000000000'), 404, 'not_found');
    expectError(await reopen(approver.token, pending.approvalId, { reason: 5 }), 422, 'validation_failed');
  });

  it('lets one of racing reopens win; the rest get 409 and nothing is opened twice', async () => {
    const { id, approvalId } = await pendingGate();
    expect((await rejectNow(id)).status).toBe(200);
    const people = [approver, approver2, decider, await userWithToken('approver'), await userWithToken('approver')];
    const results = await Promise.all(people.map((p) => reopen(p.token, approvalId)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expectError(r, 409, 'conflict');
    const d = await detail(id);
    expect(d.approvals.filter((a) => a.status === 'pending')).toHaveLength(1);
    expect(d.events.filter((e) => e.type === 'reopened')).toHaveLength(1);
  });
});
