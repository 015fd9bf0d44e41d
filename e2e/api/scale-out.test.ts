/**
 * The multi-instance claim of docs/deployment.md: two web servers (`next start`) and two worker
 * processes on one database. Every decision is sent twice at once, to both servers, by two
 * approvers; every callback resume is sent to both servers at once. Each execution is resumed
 * exactly once, by whichever request won, and both servers report the same global metrics.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/lib/db/client';
import { parseExposition, sampleValue } from '@/lib/observability/exposition';
import { isolatedDatabase, tokenWith, sqlRows } from '../helpers/env';
import { call } from '../helpers/http';
import { startWebServer, type WebServer } from '../helpers/web-server';
import { spawnWorker, waitForOutput, type Proc } from '../helpers/processes';
import { APPROVAL_FLOW, CALLBACK_FLOW } from '../helpers/workflows';


async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

/** Runs fn over items, `limit` at a time. */
async function inBatches<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += limit) out.push(...(await Promise.all(items.slice(i, i + limit).map((x, j) => fn(x, i + j)))));
  return out;
}


const APPROVALS = 40;
const CALLBACKS = 12;

describe('scale-out: two web servers and two workers on one database', () => {
  let iso: Awaited<ReturnType<typeof isolatedDatabase>>;
  let db: Db;
  const webs: WebServer[] = [];
  const workers: Proc[] = [];

  beforeAll(async () => {
    iso = await isolatedDatabase(4);
    db = iso.db;
    const [a, b] = await Promise.all([0, 1].map(() => startWebServer(iso.url, { LOG_LEVEL: 'warn' }, { waitFor: 'ready' })));
    webs.push(a!, b!);
    for (let i = 0; i < 2; i++) workers.push(spawnWorker(iso.url, { WORKER_INTERVAL: '2s', WORKER_BATCH_SIZE: '7', WR_SERVICE: `worker-${i}` }));
    await Promise.all(workers.map((w) => waitForOutput(w, /Paused executions processed/, 30_000)));
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...webs.map((w) => w.stop()), ...workers.map((w) => stop(w.child))]);
    await iso?.close();
  }, 60_000);

  it('resumes every execution exactly once when decisions and resumes race across both servers', async () => {
    const operator = await tokenWith(['workflow:read', 'workflow:write', 'execution:create', 'execution:read', 'execution:cancel'], { db });
    const approverA = await tokenWith(['approval:read', 'approval:decide'], { db });
    const approverB = await tokenWith(['approval:read', 'approval:decide'], { db });
    const reader = await tokenWith(['execution:read'], { db });
    const server = (i: number) => webs[i % 2]!.baseUrl;

    const approvalKey = `scale-${randomBytes(3).toString('hex')}`;
    const callbackKey = `${approvalKey}-cb`;
    for (const [key, definition] of [
      [approvalKey, APPROVAL_FLOW],
      [callbackKey, CALLBACK_FLOW],
    ] as const) {
      const res = await call('POST', '/api/v1/workflows', { token: operator, body: { key, name: key, definition }, baseUrl: server(0) });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }

    // Start them through both servers alternately: every one pauses (approval or callback).
    const started = await inBatches([...Array(APPROVALS + CALLBACKS).keys()], 10, async (i) => {
      const key = i < APPROVALS ? approvalKey : callbackKey;
      const res = await call<{ id: string; status: string }>('POST', '/api/v1/executions', {
        token: operator,
        body: { workflow_id: key, trigger_payload: { amount: 20_000 + i } },
        baseUrl: server(i),
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.status).toBe('paused');
      return res.body.id;
    });
    const approvalIds = started.slice(0, APPROVALS);
    const callbackIds = started.slice(APPROVALS);

    // Each approval gets two decisions at the same moment, one per server, from two approvers:
    // exactly one wins (200), the other finds it already decided (409 not_pending).
    const winners = await inBatches(approvalIds, 8, async (executionId, i) => {
      const detail = await call<{ approvals: { id: string }[] }>('GET', `/api/v1/executions/${executionId}`, { token: reader, baseUrl: server(i) });
      const approvalId = detail.body.approvals[0]!.id;
      const first = i % 3 === 0 ? 'reject' : 'approve';
      const [r1, r2] = await Promise.all([
        call('POST', `/api/v1/approvals/${approvalId}/${first}`, { token: approverA, body: { comment: 'A' }, baseUrl: server(i) }),
        call('POST', `/api/v1/approvals/${approvalId}/approve`, { token: approverB, body: { comment: 'B' }, baseUrl: server(i + 1) }),
      ]);
      const statuses = [r1.status, r2.status].sort();
      expect(statuses, JSON.stringify([r1.body, r2.body])).toEqual([200, 409]);
      const loser = r1.status === 409 ? r1 : r2;
      expect((loser.body as { error: { code: string } }).error.code).toBe('not_pending');
      const won = r1.status === 200 ? first : 'approve';
      return { executionId, approved: won === 'approve' };
    });

    // Callback pauses: the same resume sent to both servers at once; one resumes, one gets 409.
    await inBatches(callbackIds, 6, async (executionId, i) => {
      const [r1, r2] = await Promise.all(
        [0, 1].map((s) =>
          call('POST', `/api/v1/executions/${executionId}/resume`, { token: operator, body: { resume_data: { from: s } }, baseUrl: server(i + s) }),
        ),
      );
      expect([r1!.status, r2!.status].sort(), JSON.stringify([r1!.body, r2!.body])).toEqual([200, 409]);
    });

    // The workers pick the decisions up (NOTIFY, or the sweep) until nothing is left paused or running.
    const deadline = Date.now() + 45_000;
    let open = -1;
    while (Date.now() < deadline) {
      open = (await sqlRows<{ n: number }>(db, sql`select count(*)::int as n from workflow_executions where status in ('paused', 'running')`))[0]!.n;
      if (open === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(open).toBe(0);

    // Exactly one 'resumed' event per execution, and one decision per approval.
    const resumedCounts = await sqlRows<{ id: string; n: number }>(db, sql`
      select e.id::text as id, count(ev.id)::int as n
        from workflow_executions e left join execution_events ev on ev.execution_id = e.id and ev.type = 'resumed'
       group by e.id`);
    expect(resumedCounts).toHaveLength(APPROVALS + CALLBACKS);
    expect(resumedCounts.filter((r) => r.n !== 1)).toEqual([]);
    const decisionCounts = await sqlRows<{ n: number }>(db, sql`select count(*)::int as n from approval_decisions group by approval_id`);
    expect(decisionCounts.map((d) => d.n)).toEqual(Array(APPROVALS).fill(1));

    // The outcome is the winning decision's: approved ones ran 'fulfil' once, rejected ones ended.
    const final = new Map(
      (await sqlRows<{ id: string; status: string; fulfilled: number }>(db, sql`
        select e.id::text as id, e.status,
               (select count(*)::int from execution_events ev where ev.execution_id = e.id and ev.type = 'step_completed' and ev.step_id = 'fulfil') as fulfilled
          from workflow_executions e`)).map((r) => [r.id, r]),
    );
    for (const w of winners) {
      expect(final.get(w.executionId)).toMatchObject(w.approved ? { status: 'completed', fulfilled: 1 } : { status: 'rejected', fulfilled: 0 });
    }
    for (const id of callbackIds) expect(final.get(id)?.status).toBe('completed');

    // Both servers report the same global numbers, and they match the database.
    const approved = winners.filter((w) => w.approved).length;
    const scrapes = await Promise.all(
      webs.map(async (w) => {
        const res = await fetch(`${w.baseUrl}/api/v1/metrics`, { headers: { authorization: `Bearer ${reader}` } });
        expect(res.status).toBe(200);
        return parseExposition(await res.text());
      }),
    );
    for (const m of scrapes) {
      expect(sampleValue(m, 'workflow_resumer_resumes_total', { source: 'worker', outcome: 'approved' })).toBe(approved);
      expect(sampleValue(m, 'workflow_resumer_resumes_total', { source: 'worker', outcome: 'rejected' })).toBe(APPROVALS - approved);
      expect(sampleValue(m, 'workflow_resumer_resumes_total', { source: 'api', outcome: 'data' })).toBe(CALLBACKS);
      expect(sampleValue(m, 'workflow_resumer_resumes_total')).toBe(APPROVALS + CALLBACKS);
      expect(sampleValue(m, 'workflow_resumer_pauses_total', { kind: 'approval' })).toBe(APPROVALS);
      expect(sampleValue(m, 'workflow_resumer_pauses_total', { kind: 'callback' })).toBe(CALLBACKS);
      expect(sampleValue(m, 'workflow_resumer_approval_decisions_total', { decision: 'approve' })).toBe(approved);
      expect(sampleValue(m, 'workflow_resumer_approval_decisions_total', { decision: 'reject' })).toBe(APPROVALS - approved);
      expect(sampleValue(m, 'workflow_resumer_decision_to_resume_seconds_count')).toBe(APPROVALS);
      expect(sampleValue(m, 'workflow_resumer_executions', { status: 'completed' })).toBe(approved + CALLBACKS);
      expect(sampleValue(m, 'workflow_resumer_executions', { status: 'rejected' })).toBe(APPROVALS - approved);
      expect(sampleValue(m, 'workflow_resumer_paused_executions')).toBe(0);
      expect(sampleValue(m, 'workflow_resumer_workers', { state: 'live' })).toBe(2);
      expect(m.samples.filter((s) => s.name === 'workflow_resumer_worker_heartbeat_age_seconds')).toHaveLength(2);
    }
    // HTTP durations are per process: each server counted the requests it served itself.
    const decideRoute = { route: '/api/v1/approvals/{id}/approve', method: 'POST' };
    const perServer = scrapes.map((m) => sampleValue(m, 'workflow_resumer_http_request_duration_seconds_count', decideRoute) ?? 0);
    for (const n of perServer) expect(n).toBeGreaterThan(0);

    // Both workers stop cleanly on SIGTERM.
    const codes = await Promise.all(workers.map((w) => stop(w.child)));
    expect(codes).toEqual([0, 0]);
  });
});
