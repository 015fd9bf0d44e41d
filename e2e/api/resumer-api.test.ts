import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { userActor } from '@/lib/core/access/permissions';
import { pauseExecution } from '@/lib/core/resumer/pause-execution';
import { resumeExecution } from '@/lib/core/resumer/resume-execution';
import { resumeDecidedExecutions } from '@/lib/core/worker/resume-decided-executions';
import { log } from '@/lib/log';
import { testDb, tokenForRole, tokenWith, userWithToken } from '../helpers/env';
import { api, call } from '../helpers/http';
import { APPROVAL_FLOW, CALLBACK_FLOW, createWorkflowApi, startExecutionApi } from '../helpers/workflows';

const WAIT_FLOW = {
  steps: [
    { id: 'intake', type: 'action', action: { type: 'set', values: { intake: true } }, next: 'cool-off' },
    { id: 'cool-off', type: 'wait', duration: 'PT1H', next: 'finish' },
    { id: 'finish', type: 'action', action: { type: 'set', values: { finished: true } } },
  ],
};

/** What the worker does for a decided execution, targeted at one row so parallel tests don't interfere. */
async function workerResumes(executionId: string) {
  return resumeDecidedExecutions(testDb(), { batchSize: 1, now: () => new Date(), log, executionId });
}

let operator: string;
let viewer: string;
beforeAll(async () => {
  operator = await tokenForRole('operator');
  viewer = await tokenForRole('viewer');
});

describe('manual control: pause and resume', () => {
  it('pauses a sleeping execution and resumes it three times with its state preserved', async () => {
    const wf = await createWorkflowApi(operator, WAIT_FLOW);
    const started = await startExecutionApi(operator, wf, { order_id: 'A-1' });
    expect(started.status).toBe('running');
    expect(started.sleeping_until).not.toBeNull();

    for (let cycle = 1; cycle <= 3; cycle++) {
      const paused = await api(operator).post(`/api/v1/executions/${started.id}/pause`, { reason: `Manual review ${cycle}` });
      expect(paused.status).toBe(200);
      expect(paused.body).toMatchObject({
        status: 'paused',
        paused_reason: `Manual review ${cycle}`,
        paused_step_id: 'cool-off',
        next_step_id: 'cool-off',
        pause_kind: 'manual',
      });
      expect(paused.body.paused_at).not.toBeNull();
      const again = await api(operator).post(`/api/v1/executions/${started.id}/pause`, {});
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('not_running');

      const resumed = await api(operator).post(`/api/v1/executions/${started.id}/resume`, { resume_data: { [`review_${cycle}`]: 'ok', reviewed_by: `alice-${cycle}` } });
      expect(resumed.status).toBe(200);
      expect(resumed.body.status).toBe('running'); // still sleeping until the wait's own deadline
      expect(resumed.body.sleeping_until).toBe(started.sleeping_until);
      expect(resumed.body.resume_count).toBe(cycle);
      expect(resumed.body.last_resumed_at).not.toBeNull();
      expect(resumed.body.paused_at).toBeNull();
      expect(resumed.body.paused_reason).toBeNull();
      expect(resumed.body.resume_data).toEqual({ [`review_${cycle}`]: 'ok', reviewed_by: `alice-${cycle}` });
    }
    const detail = await api(operator).get(`/api/v1/executions/${started.id}`);
    expect(detail.body.context).toEqual({ order_id: 'A-1', intake: true, review_1: 'ok', review_2: 'ok', review_3: 'ok', reviewed_by: 'alice-3' });
    const types = detail.body.events.map((e: { type: string }) => e.type);
    expect(types.filter((t: string) => t === 'paused')).toHaveLength(3);
    expect(types.filter((t: string) => t === 'resumed')).toHaveLength(3);
  });

  it('resumes a callback pause with resume_data and runs to completion in the same request', async () => {
    const wf = await createWorkflowApi(operator, CALLBACK_FLOW);
    const started = await startExecutionApi(operator, wf, { order: 7 });
    expect(started).toMatchObject({ status: 'paused', paused_step_id: 'wait-gateway', next_step_id: 'record', paused_reason: 'Awaiting payment gateway callback', pause_kind: 'callback' });
    const resumed = await api(operator).post(`/api/v1/executions/${started.id}/resume`, { resume_data: { payment_status: 'completed' } });
    expect(resumed.status).toBe(200);
    expect(resumed.body.status).toBe('completed');
    expect(resumed.body.context).toEqual({ order: 7, prepared: true, payment_status: 'completed', recorded: true });
    expect(resumed.body.resume_count).toBe(1);
  });

  it('takes the quick start curl form: JSON with -d and no JSON content type, and an empty pause body', async () => {
    const wf = await createWorkflowApi(operator, WAIT_FLOW);
    const started = await startExecutionApi(operator, wf);
    const paused = await call('POST', `/api/v1/executions/${started.id}/pause`, { token: operator });
    expect(paused.status).toBe(200);
    expect(paused.body.paused_reason).toBe('Paused manually');
    const resumed = await call('POST', `/api/v1/executions/${started.id}/resume`, {
      token: operator,
      raw: '{"resume_data": {"reviewed_by": "alice@example.com"}}',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(resumed.status).toBe(200);
    expect(resumed.body.context.reviewed_by).toBe('alice@example.com');
  });

  it('answers 404, 409 and 422 as documented, and changes nothing on refusal', async () => {
    const wf = await createWorkflowApi(operator, CALLBACK_FLOW);
    const ex = await startExecutionApi(operator, wf);
    expect((await api(operator).post('/api/v1/executions/00000000-0000-4000-8000-000000000000/pause', {})).status).toBe(404);
    expect((await api(operator).post('/api/v1/executions/not-a-uuid/resume', {})).status).toBe(404);
    const notRunning = await api(operator).post(`/api/v1/executions/${ex.id}/pause`, {});
    expect(notRunning.status).toBe(409);
    expect(notRunning.body.error.code).toBe('not_running');
    for (const bad of [[1, 2], 'yes', 42, null, true]) {
      const r = await api(operator).post(`/api/v1/executions/${ex.id}/resume`, { resume_data: bad });
      expect(r.status).toBe(422);
      expect(r.body.error.code).toBe('validation_failed');
      expect(r.body.error.message).toMatch(/^resume_data/);
    }
    const huge = await api(operator).post(`/api/v1/executions/${ex.id}/resume`, { resume_data: { blob: 'x'.repeat(70_000) } });
    expect(huge.status).toBe(422);
    expect(huge.body.error.message).toMatch(/64 KB/);
    const unknown = await api(operator).post(`/api/v1/executions/${ex.id}/resume`, { resume_data: {}, extra: 1 });
    expect(unknown.status).toBe(422);
    const after = await api(operator).get(`/api/v1/executions/${ex.id}`);
    expect(after.body).toMatchObject({ status: 'paused', resume_count: 0, version: ex.version });

    const done = await api(operator).post(`/api/v1/executions/${ex.id}/resume`, {});
    expect(done.body.status).toBe('completed');
    const notPaused = await api(operator).post(`/api/v1/executions/${ex.id}/resume`, {});
    expect(notPaused.status).toBe(409);
    expect(notPaused.body.error.code).toBe('not_paused');
  });

  it('needs execution:cancel to pause or resume', async () => {
    const wf = await createWorkflowApi(operator, CALLBACK_FLOW);
    const ex = await startExecutionApi(operator, wf);
    const approver = await tokenForRole('approver');
    for (const t of [viewer, approver]) {
      expect((await api(t).post(`/api/v1/executions/${ex.id}/resume`, {})).status).toBe(403);
      expect((await api(t).post(`/api/v1/executions/${ex.id}/pause`, {})).status).toBe(403);
    }
    expect((await call('POST', `/api/v1/executions/${ex.id}/resume`)).status).toBe(401);
  });

  it('refuses to resume a pause older than its limit (7 days by default) with 409 pause_expired', async () => {
    const wf = await createWorkflowApi(operator, WAIT_FLOW);
    const ex = await startExecutionApi(operator, wf);
    const eightDaysAgo = new Date(Date.now() - 8 * 86_400_000);
    const paused = await pauseExecution(testDb(), userActor({ email: 'ops@example.com', name: 'Ops', role: 'operator' }), ex.id, { reason: 'old' }, eightDaysAgo);
    expect(new Date(paused.pause_expires_at!).getTime() - new Date(paused.paused_at!).getTime()).toBe(7 * 86_400_000);
    const r = await api(operator).post(`/api/v1/executions/${ex.id}/resume`, {});
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('pause_expired');
  });

  it('replays an Idempotency-Key retry and refuses the same key with another body', async () => {
    const wf = await createWorkflowApi(operator, CALLBACK_FLOW);
    const ex = await startExecutionApi(operator, wf);
    const key = `k-${ex.id}`;
    const first = await api(operator).post(`/api/v1/executions/${ex.id}/resume`, { resume_data: { a: 1 } }, { 'idempotency-key': key });
    expect(first.status).toBe(200);
    const retry = await api(operator).post(`/api/v1/executions/${ex.id}/resume`, { resume_data: { a: 1 } }, { 'idempotency-key': key });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const other = await api(operator).post(`/api/v1/executions/${ex.id}/resume`, { resume_data: { a: 2 } }, { 'idempotency-key': key });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    const detail = await api(operator).get(`/api/v1/executions/${ex.id}`);
    expect(detail.body.resume_count).toBe(1);
  });

  it('lets exactly one of 50 concurrent resumes win', async () => {
    const wf = await createWorkflowApi(operator, CALLBACK_FLOW);
    const ex = await startExecutionApi(operator, wf);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => api(operator).post(`/api/v1/executions/${ex.id}/resume`, { resume_data: { caller: i } })),
    );
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(results.filter((r) => r.status === 409 && r.body.error.code === 'not_paused')).toHaveLength(49);
    const detail = await api(operator).get(`/api/v1/executions/${ex.id}`);
    expect(detail.body.resume_count).toBe(1);
    expect(detail.body.status).toBe('completed');
    expect(detail.body.events.filter((e: { type: string }) => e.type === 'resumed')).toHaveLength(1);
    expect(detail.body.events.filter((e: { type: string; step_id: string }) => e.type === 'step_completed' && e.step_id === 'record')).toHaveLength(1);
  });

  // In one process the reads of all callers go out before any write: every caller computes the
  // resume from the same version, so the compare-and-set, not timing, must pick the one winner —
  // and a loser must leave no trace (no event, no step).
  it('lets exactly one of 20 resumes computed from the same read win, leaving no trace of the others', async () => {
    const wf = await createWorkflowApi(operator, CALLBACK_FLOW);
    const ex = await startExecutionApi(operator, wf);
    const actor = userActor({ email: 'racer@example.com', name: 'Racer', role: 'operator' });
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => resumeExecution(testDb(), actor, ex.id, { resume_data: { caller: i } })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as { code?: string }).code);
    expect(refused).toEqual(Array(19).fill('not_paused'));
    const detail = await api(operator).get(`/api/v1/executions/${ex.id}`);
    expect(detail.body).toMatchObject({ status: 'completed', resume_count: 1 });
    const winner = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ context: Record<string, unknown> }>).value.context.caller;
    expect(detail.body.context.caller).toBe(winner);
    expect(detail.body.events.filter((e: { type: string }) => e.type === 'resumed')).toHaveLength(1);
    expect(detail.body.events.filter((e: { type: string; step_id: string }) => e.type === 'step_completed' && e.step_id === 'record')).toHaveLength(1);
  });

  it('lets exactly one of 20 concurrent pauses win', async () => {
    const wf = await createWorkflowApi(operator, WAIT_FLOW);
    const ex = await startExecutionApi(operator, wf);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => api(operator).post(`/api/v1/executions/${ex.id}/pause`, { reason: `r${i}` })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(19);
  });
});

describe('approvals', () => {
  let starter: Awaited<ReturnType<typeof userWithToken>>;
  let alice: Awaited<ReturnType<typeof userWithToken>>;
  let bob: Awaited<ReturnType<typeof userWithToken>>;
  beforeAll(async () => {
    [starter, alice, bob] = await Promise.all([userWithToken('admin'), userWithToken('approver'), userWithToken('approver')]);
  });

  async function pausedForApproval(definition: object = APPROVAL_FLOW, payload: Record<string, unknown> = { amount: 25000 }) {
    const wf = await createWorkflowApi(starter.token, definition, 'Approval test');
    const ex = await startExecutionApi(starter.token, wf, payload);
    expect(ex.status).toBe('paused');
    const list = await api(alice.token).get(`/api/v1/executions/paused?workflow_id=${wf}`);
    const approvalId = list.body.executions[0].approval.id as string;
    return { wf, ex, approvalId };
  }

  it('runs the quick start approval flow: pause, approve, worker resumes, completes', async () => {
    const { ex, approvalId } = await pausedForApproval();
    expect(ex).toMatchObject({ paused_step_id: 'require-approval', next_step_id: 'fulfil', pause_kind: 'approval', paused_reason: 'Requires manager approval' });
    const got = await api(alice.token).get(`/api/v1/approvals/${approvalId}`);
    expect(got.body).toMatchObject({ status: 'pending', execution_id: ex.id, required_approvals: 1, approvals_received: 0, reason: 'Requires manager approval', workflow_name: 'Approval test' });

    const approved = await api(alice.token).post(`/api/v1/approvals/${approvalId}/approve`, { comment: 'looks fine' });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('approved');
    expect(approved.body.decisions).toEqual([expect.objectContaining({ actor: alice.email, decision: 'approve', comment: 'looks fine' })]);
    const decided = await api(alice.token).get(`/api/v1/executions/${ex.id}`);
    expect(decided.body.status).toBe('paused');
    expect(decided.body.resume_data).toMatchObject({ approved: true, approval_id: approvalId, decided_by: alice.email, comment: 'looks fine' });
    expect(typeof decided.body.resume_data.decided_at).toBe('string');

    const c = await workerResumes(ex.id);
    expect(c.resumed).toBe(1);
    const done = await api(alice.token).get(`/api/v1/executions/${ex.id}`);
    expect(done.body.status).toBe('completed');
    expect(done.body.context).toMatchObject({ amount: 25000, approved: true, fulfilled: true });
    expect(done.body.resume_count).toBe(1);
    const again = await api(bob.token).post(`/api/v1/approvals/${approvalId}/reject`, {});
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('not_pending');
    expect(again.body.error.message).toContain(alice.email);
  });

  it('ends a rejected block as rejected, and follows on_reject when there is one', async () => {
    const { ex, approvalId } = await pausedForApproval();
    const rejected = await api(alice.token).post(`/api/v1/approvals/${approvalId}/reject`, { comment: 'too risky' });
    expect(rejected.body.status).toBe('rejected');
    await workerResumes(ex.id);
    const detail = await api(alice.token).get(`/api/v1/executions/${ex.id}`);
    expect(detail.body.status).toBe('rejected');
    expect(detail.body.events.find((e: { type: string }) => e.type === 'rejected').data.comment).toBe('too risky');

    const branching = {
      steps: [
        { id: 'approve', type: 'approval', reason: 'Check', on_approve: 'yes', on_reject: 'no' },
        { id: 'yes', type: 'action', action: { type: 'set', values: { outcome: 'yes' } } },
        { id: 'no', type: 'action', action: { type: 'set', values: { outcome: 'no' } } },
      ],
    };
    const b = await pausedForApproval(branching, {});
    await api(alice.token).post(`/api/v1/approvals/${b.approvalId}/reject`, {});
    await workerResumes(b.ex.id);
    const bd = await api(alice.token).get(`/api/v1/executions/${b.ex.id}`);
    expect(bd.body.status).toBe('completed');
    expect(bd.body.context.outcome).toBe('no');
  });

  it('needs two approvals for a two-of-n quorum and refuses a second vote by the same person', async () => {
    const quorum = {
      steps: [
        { id: 'sign-off', type: 'approval', reason: 'Two sign-offs', required_approvals: 2, on_approve: 'pay' },
        { id: 'pay', type: 'action', action: { type: 'set', values: { paid: true } } },
      ],
    };
    const { ex, approvalId } = await pausedForApproval(quorum, {});
    const first = await api(alice.token).post(`/api/v1/approvals/${approvalId}/approve`, {});
    expect(first.body).toMatchObject({ status: 'pending', approvals_received: 1, required_approvals: 2 });
    const twice = await api(alice.token).post(`/api/v1/approvals/${approvalId}/approve`, {});
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('already_decided');
    const stillPaused = await api(alice.token).get(`/api/v1/executions/${ex.id}`);
    expect(stillPaused.body.resume_data).toBeNull();
    const second = await api(bob.token).post(`/api/v1/approvals/${approvalId}/approve`, {});
    expect(second.body).toMatchObject({ status: 'approved', approvals_received: 2 });
    await workerResumes(ex.id);
    const done = await api(bob.token).get(`/api/v1/executions/${ex.id}`);
    expect(done.body).toMatchObject({ status: 'completed', context: { paid: true } });
    expect(done.body.resume_data.approvers).toEqual([alice.email, bob.email]);
  });

  it('refuses self-approval with 403 self_approval, on the approval and on a manual resume', async () => {
    const { ex, approvalId } = await pausedForApproval();
    const self = await api(starter.token).post(`/api/v1/approvals/${approvalId}/approve`, {});
    expect(self.status).toBe(403);
    expect(self.body.error.code).toBe('self_approval');
    const selfResume = await api(starter.token).post(`/api/v1/executions/${ex.id}/resume`, { resume_data: { approved: true } });
    expect(selfResume.status).toBe(403);
    expect(selfResume.body.error.code).toBe('self_approval');
    expect((await api(alice.token).get(`/api/v1/approvals/${approvalId}`)).body.status).toBe('pending');
  });

  it('refuses the {"approved": "true"} string trap at the door with 422', async () => {
    // A resume of a pending approval is a vote: made here by a person who may decide (an admin who
    // did not start it); an operator gets 403 whatever the data (trust-decisions.test.ts).
    const { ex } = await pausedForApproval();
    const decider = await userWithToken('admin');
    for (const bad of [{ approved: 'true' }, {}, { approved: 1 }]) {
      const r = await api(decider.token).post(`/api/v1/executions/${ex.id}/resume`, { resume_data: bad });
      expect(r.status).toBe(422);
      expect(r.body.error.message).toMatch(/approved/);
    }
    expect((await api(alice.token).get(`/api/v1/approvals/${(await api(alice.token).get(`/api/v1/executions/${ex.id}`)).body.approvals[0].id}`)).body.decisions).toEqual([]);
    const ok = await api(decider.token).post(`/api/v1/executions/${ex.id}/resume`, { resume_data: { approved: true } });
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('completed');
    const approval = (await api(decider.token).get(`/api/v1/executions/${ex.id}`)).body.approvals[0];
    expect(approval.status).toBe('approved');
    expect(approval.decisions).toEqual([expect.objectContaining({ actor: decider.email, decision: 'approve' })]);
  });

  it('lets exactly one of an approve and a reject racing on one approval win', async () => {
    for (let round = 0; round < 5; round++) {
      const { approvalId } = await pausedForApproval();
      const [a, b] = await Promise.all([
        api(alice.token).post(`/api/v1/approvals/${approvalId}/approve`, {}),
        api(bob.token).post(`/api/v1/approvals/${approvalId}/reject`, {}),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 409]);
      const final = await api(alice.token).get(`/api/v1/approvals/${approvalId}`);
      expect(final.body.decisions).toHaveLength(1);
    }
  });

  it('lists pending approvals oldest first and checks permissions', async () => {
    const { approvalId } = await pausedForApproval();
    const list = await api(alice.token).get('/api/v1/approvals?status=pending&limit=100');
    expect(list.status).toBe(200);
    const created = list.body.approvals.map((a: { created_at: string }) => a.created_at);
    expect([...created].sort()).toEqual(created);
    const noDecide = await tokenWith(['approval:read']);
    expect((await api(noDecide).post(`/api/v1/approvals/${approvalId}/approve`, {})).status).toBe(403);
    expect((await api(viewer).get('/api/v1/approvals')).status).toBe(200);
    expect((await api(alice.token).get('/api/v1/approvals?status=bogus')).status).toBe(422);
    expect((await api(alice.token).get('/api/v1/approvals/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});

describe('GET /api/v1/executions/paused', () => {
  it('lists oldest first with keyset paging, totals and filters', async () => {
    const wf = await createWorkflowApi(operator, CALLBACK_FLOW);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await startExecutionApi(operator, wf, { i })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/api/v1/executions/paused?workflow_id=${wf}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await api(viewer).get(q);
      expect(page.status).toBe(200);
      expect(page.body.total).toBe(5);
      expect(page.body.count).toBe(page.body.executions.length);
      for (const e of page.body.executions) {
        expect(e).toMatchObject({ workflow_name: 'Test workflow', status: 'paused', paused_reason: 'Awaiting payment gateway callback', resume_count: 0, approval: null });
        expect(e.age_seconds).toBeGreaterThanOrEqual(0);
        seen.push(e.id);
      }
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);
    const filtered = await api(viewer).get(`/api/v1/executions/paused?workflow_id=${wf}&reason=GATEWAY`);
    expect(filtered.body.total).toBe(5);
    const none = await api(viewer).get(`/api/v1/executions/paused?workflow_id=${wf}&reason=nothing-like-this`);
    expect(none.body).toMatchObject({ executions: [], count: 0, total: 0, next_cursor: null });
  });

  it('refuses bad paging input with 422', async () => {
    for (const q of ['limit=0', 'limit=101', 'limit=abc', 'limit=-5', 'cursor=%%%', 'cursor=bm9wZQ', 'bogus=1']) {
      const r = await api(viewer).get(`/api/v1/executions/paused?${q}`);
      expect(r.status, q).toBe(422);
      expect(r.body.error.code).toBe('validation_failed');
    }
  });

  it('serves the oldest-first page from the partial index, without a sort', async () => {
    // At test sizes the planner prefers a scan; with scans priced out it must still find an ordered
    // index path (the benchmark checks the real plan at 100k paused rows).
    const plan = await testDb().transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      await tx.execute(sql`set local enable_bitmapscan = off`);
      // The list's own predicates (lib/core/resumer/list-paused-executions.ts; every shape's plan is
      // checked under stale statistics by query-plans.test.ts). And no sorts: with a handful of paused
      // rows (the shared test database), sorting them after another index's scan can price lower.
      await tx.execute(sql`set local enable_sort = off`);
      return tx.execute(sql`explain select id from workflow_executions where status = 'paused' and pause_kind is not null order by paused_at, id limit 50`);
    });
    const text = (plan.rows as { 'QUERY PLAN': string }[]).map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toMatch(/Index (Only )?Scan using idx_executions_paused_at/);
    expect(text).not.toMatch(/Sort/);
  });
});
