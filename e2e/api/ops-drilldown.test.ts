/**
 * The ops summary's drill-down parts over real HTTP: per workflow, expiring soon, recent failures,
 * the oldest pause's id — and a rejection that took an on_reject branch counts as a rejection
 * wherever decisions are counted. Also the lists they link to: GET /executions?id_prefix= and
 * GET /executions/paused?paused_before=.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resumeDecidedExecutions } from '@/lib/core/worker/resume-decided-executions';
import { workerHeartbeats } from '@/lib/db/schema';
import { log } from '@/lib/log';
import { isolatedDatabase, testDb, uid, userWithToken } from '../helpers/env';
import { api } from '../helpers/http';
import { expectError } from '../helpers/http';
import { createWorkflowApi, type ExecutionDetail, startApi, startIn } from '../helpers/workflows';
import { startWebServer, type WebServer } from '../helpers/web-server';

type Summary = {
  paused: { oldest_execution_id: string | null; oldest_age_seconds: number | null };
  approvals: { decisions_last_24h: { approve: number; reject: number; per_hour: { approve: number; reject: number }[] }; median_decision_seconds_24h: number | null };
  by_workflow: { workflow_key: string; paused: number; oldest_execution_id: string | null; approved_24h: number; rejected_24h: number; median_decision_seconds: number | null }[];
  expiring_soon: { count: number; items: { execution_id: string; step_id: string | null; at_deadline: { text: string; next: string | null; ends: string | null } }[] };
  failures: { failed_executions_24h: number; workers_with_errors: number; items: { kind: string; execution_id?: string; worker_id?: string; detail: string | null }[] };
};

let admin: string;
const summary = async () => {
  const res = await api(admin).get<Summary>('/api/v1/ops/summary');
  expect(res.status).toBe(200);
  return res.body;
};

/** Starts an execution through the API; its detail (with approvals and events). */
const start = async (key: string, payload: Record<string, unknown> = {}) => (await startApi(admin, key, payload)).detail;

beforeAll(async () => {
  admin = (await userWithToken('admin')).token;
});

describe('ops summary: decisions', () => {
  // Its own database and web server: the per-workflow table shows the 50 busiest workflows, and the
  // shared test database holds more than 50 with paused executions by the time this runs.
  let own: Awaited<ReturnType<typeof isolatedDatabase>>;
  let web: WebServer;
  beforeAll(async () => {
    own = await isolatedDatabase();
    web = await startWebServer(own.url);
  });
  afterAll(async () => {
    await web?.stop();
    await own?.close();
  });

  it('a rejection that continues on an on_reject branch counts as a rejection: totals, per hour, per workflow, metrics', async () => {
    const ownAdmin = (await userWithToken('admin', own.db)).token;
    const ownApprover = (await userWithToken('approver', own.db)).token;
    const as = (token: string) => api(token, web.baseUrl);
    const ownSummary = async () => {
      const res = await as(ownAdmin).get<Summary>('/api/v1/ops/summary');
      expect(res.status).toBe(200);
      return res.body;
    };
    const ownMetric = async (name: string, labels: string) => {
      const res = await fetch(`${web.baseUrl}/api/v1/metrics`, { headers: { authorization: `Bearer ${ownAdmin}` } });
      const line = (await res.text()).split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const key = uid('wf');
    const created = await as(ownAdmin).post('/api/v1/workflows', {
      key,
      name: 'Refunds',
      definition: {
        steps: [
          { id: 'review', type: 'approval', reason: 'Refund over the limit', on_approve: 'refund', on_reject: 'notify' },
          { id: 'refund', type: 'action', action: { type: 'set', values: { refunded: true } } },
          { id: 'notify', type: 'action', action: { type: 'set', values: { notified: true } } },
        ],
      },
    });
    expect(created.status).toBe(201);
    const before = await ownSummary();
    const metricBefore = await ownMetric('workflow_resumer_approval_decisions_total', 'decision="reject"');
    const started = await as(ownAdmin).post<ExecutionDetail>('/api/v1/executions', { workflow_id: key, trigger_payload: { refund_id: 'RF-1' } });
    expect(started.status).toBe(201);
    const exec = (await as(ownAdmin).get<ExecutionDetail>(`/api/v1/executions/${started.body.id}`)).body;
    expect((await as(ownApprover).post(`/api/v1/approvals/${exec.approvals[0]!.id}/reject`, { comment: 'no' })).status).toBe(200);
    // The worker takes the on_reject branch: the execution completes (it is not "rejected").
    await resumeDecidedExecutions(own.db, { batchSize: 1, now: () => new Date(), log, executionId: exec.id });
    const done = (await as(ownAdmin).get<ExecutionDetail>(`/api/v1/executions/${exec.id}`)).body;
    expect(done.status).toBe('completed');
    expect(done.context).toMatchObject({ notified: true });

    const after = await ownSummary();
    expect(after.approvals.decisions_last_24h.reject - before.approvals.decisions_last_24h.reject).toBe(1);
    expect(after.approvals.decisions_last_24h.per_hour.at(-1)!.reject).toBeGreaterThanOrEqual(1);
    const row = after.by_workflow.find((w) => w.workflow_key === key);
    expect(row).toMatchObject({ paused: 0, approved_24h: 0, rejected_24h: 1 });
    expect(row!.median_decision_seconds).toBeGreaterThanOrEqual(0);
    expect(after.approvals.median_decision_seconds_24h).not.toBeNull();
    expect((await ownMetric('workflow_resumer_approval_decisions_total', 'decision="reject"')) - metricBefore).toBe(1);
  });
});

describe('ops summary: what leads somewhere', () => {
  it('per workflow: paused count, the oldest pause by id; and the oldest pause overall', async () => {
    const key = await createWorkflowApi(admin, [{ id: 'hold', type: 'pause', reason: 'Waiting for the bank', next: 'done' }, { id: 'done', type: 'action', action: { type: 'allow' } }]);
    // Paused a year ago: older than anything else in the test database.
    const oldest = await startIn(testDb(), key, {}, { now: () => new Date(Date.now() - 365 * 86_400_000) });
    await startIn(testDb(), key, {});
    const s = await summary();
    expect(s.by_workflow.find((w) => w.workflow_key === key)).toMatchObject({ paused: 2, oldest_execution_id: oldest.id, approved_24h: 0, rejected_24h: 0 });
    expect(s.paused.oldest_execution_id).toBe(oldest.id);
  });

  it('expiring soon: undecided pauses with a deadline within 24 h, and what happens then', async () => {
    const approveKey = await createWorkflowApi(admin, [
      { id: 'gate', type: 'approval', reason: 'Auto-approves at the deadline', timeout: 'PT2H', on_timeout: 'approve', on_approve: 'ship' },
      { id: 'ship', type: 'action', action: { type: 'allow' } },
    ]);
    const expireKey = await createWorkflowApi(admin, [{ id: 'cb', type: 'pause', reason: 'Callback', timeout: 'PT3H', next: 'done' }, { id: 'done', type: 'action', action: { type: 'allow' } }]);
    const farKey = await createWorkflowApi(admin, [{ id: 'cb', type: 'pause', reason: 'Callback', timeout: 'P3D' }]);
    const a = await start(approveKey);
    const b = await start(expireKey);
    const far = await start(farKey);
    const s = await summary();
    const items = new Map(s.expiring_soon.items.map((i) => [i.execution_id, i]));
    // Other test files' pauses may come sooner; look ours up through the full list if they are not in the first ten.
    if (items.has(a.id)) expect(items.get(a.id)!.at_deadline).toEqual({ next: 'ship', ends: null, text: 'is approved automatically and continues at ship' });
    if (items.has(b.id)) expect(items.get(b.id)!.at_deadline).toEqual({ next: null, ends: 'expired', text: 'expires' });
    expect(items.has(far.id)).toBe(false);
    expect(s.expiring_soon.count).toBeGreaterThanOrEqual(2);
    expect(items.has(a.id) || s.expiring_soon.items.length === 10).toBe(true);
  });

  it('recent failures: failed executions and workers reporting errors, with ids to open', async () => {
    const key = await createWorkflowApi(admin, [{ id: 'boom', type: 'action', action: { type: 'fail', reason: 'Card declined' } }]);
    const failed = await start(key);
    expect(failed.status).toBe('failed');
    const workerId = uid('worker-errors');
    await testDb().insert(workerHeartbeats).values({ workerId, hostname: 'ops-test', pid: 777, lastCycleAt: new Date(), intervalMs: 60_000, errors: 2 });
    const s = await summary();
    expect(s.failures.failed_executions_24h).toBeGreaterThanOrEqual(1);
    expect(s.failures.workers_with_errors).toBeGreaterThanOrEqual(1);
    const kinds = s.failures.items.map((i) => i.kind);
    expect(kinds).toContain('execution_failed');
    expect(kinds).toContain('worker_errors');
    const mine = s.failures.items.find((i) => i.execution_id === failed.id);
    expect(mine?.detail).toBe('Card declined');
    expect(s.failures.items.find((i) => i.worker_id === workerId)?.detail).toContain('2 errors in its last cycle');
  });
});

describe('the lists the ops page links to', () => {
  it('GET /executions?id_prefix= finds an execution by the short id shown everywhere, with a total', async () => {
    const key = await createWorkflowApi(admin, [{ id: 'a', type: 'action', action: { type: 'allow' } }]);
    const e = await start(key);
    for (const prefix of [e.id.slice(0, 8), e.id.slice(0, 8).toUpperCase(), e.id.slice(0, 13), e.id.replace(/-/g, '').slice(0, 20)]) {
      const res = await api(admin).get<{ executions: { id: string }[]; total: number; total_exact: boolean }>(`/api/v1/executions?id_prefix=${prefix}`);
      expect(res.status, prefix).toBe(200);
      expect(res.body.executions.map((x) => x.id), prefix).toContain(e.id);
      expect(res.body.total).toBe(res.body.executions.length);
      expect(res.body.total_exact).toBe(true);
    }
    const one = await api(admin).get<{ executions: { id: string }[]; total: number }>(`/api/v1/executions?id_prefix=${e.id}`);
    expect(one.body.executions.map((x) => x.id)).toEqual([e.id]);
    for (const bad of ['xyz', '12 34', `${e.id}0`, '']) {
      const res = await api(admin).get(`/api/v1/executions?id_prefix=${encodeURIComponent(bad)}`);
      const err = expectError(res, 422, 'validation_failed');
      expect(err.error.message).toContain('id_prefix');
    }
  });

  it('GET /executions counts every page of a filter the same', async () => {
    const key = await createWorkflowApi(admin, [{ id: 'a', type: 'action', action: { type: 'allow' } }]);
    for (let i = 0; i < 3; i++) await start(key);
    const first = await api(admin).get<{ executions: unknown[]; total: number; next_cursor: string | null }>(`/api/v1/executions?workflow_id=${key}&limit=2`);
    expect(first.body).toMatchObject({ total: 3 });
    expect(first.body.executions).toHaveLength(2);
    const second = await api(admin).get<{ executions: unknown[]; total: number }>(`/api/v1/executions?workflow_id=${key}&limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body).toMatchObject({ total: 3 });
    expect(second.body.executions).toHaveLength(1);
  });

  it('GET /executions/paused?paused_before= lists only pauses older than that (the "over 24 h" view)', async () => {
    const key = await createWorkflowApi(admin, [{ id: 'hold', type: 'pause', reason: 'Old or new' }]);
    const old = await startIn(testDb(), key, {}, { now: () => new Date(Date.now() - 30 * 3_600_000) });
    const recent = await startIn(testDb(), key, {});
    const before = new Date(Date.now() - 86_400_000).toISOString();
    const res = await api(admin).get<{ executions: { id: string }[]; total: number }>(`/api/v1/executions/paused?workflow_id=${key}&paused_before=${before}`);
    expect(res.status).toBe(200);
    expect(res.body.executions.map((x) => x.id)).toEqual([old.id]);
    expect(res.body.total).toBe(1);
    const all = await api(admin).get<{ executions: { id: string }[] }>(`/api/v1/executions/paused?workflow_id=${key}`);
    expect(all.body.executions.map((x) => x.id)).toEqual([old.id, recent.id]);
    expectError(await api(admin).get('/api/v1/executions/paused?paused_before=yesterday'), 422, 'validation_failed');
  });
});
