import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userActor } from '@/lib/core/access/permissions';
import { decideApproval } from '@/lib/core/approvals/decide-approval';
import { startExecution } from '@/lib/core/executions/start-execution';
import { pauseExecution } from '@/lib/core/resumer/pause-execution';
import { sweepOnce } from '@/lib/core/worker/sweep';
import { createWorkflow } from '@/lib/core/workflows/workflows';
import type { Db } from '@/lib/db/client';
import { isolatedDatabase, uid, sqlRows } from '../helpers/env';
import { spawnWorker, waitForOutput, type Proc } from '../helpers/processes';
import { APPROVAL_FLOW } from '../helpers/workflows';

const starter = userActor({ email: 'starter@example.com', name: 'Starter', role: 'operator' });
const approver = userActor({ email: 'approver@example.com', name: 'Approver', role: 'approver' });

function memoryLog() {
  const lines: { level: number; msg: string; [k: string]: unknown }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}


describe('worker processes', () => {
  let dbh: Awaited<ReturnType<typeof isolatedDatabase>>;
  let db: Db;
  const procs: Proc[] = [];
  beforeAll(async () => {
    dbh = await isolatedDatabase(5);
    db = dbh.db;
  });
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await dbh.close();
  });

  it('three worker processes resume 2,000 decided executions, each exactly once', async () => {
    const wf = await createWorkflow(db, { key: uid('drain'), name: 'Drain', definition: APPROVAL_FLOW as never });
    await db.execute(sql`
      insert into workflow_executions (workflow_id, status, trigger_payload, context, current_step_id, started_by, paused_at, paused_reason,
        paused_step_id, next_step_id, pause_kind, paused_by, pause_expires_at, decided_at, resume_data)
      select ${wf.id}::uuid, 'paused', jsonb_build_object('n', g), jsonb_build_object('n', g), 'require-approval', 'seed',
        now() - interval '1 hour', 'Requires manager approval', 'require-approval', 'fulfil', 'approval', 'seed',
        now() + interval '6 days', now() - (g || ' milliseconds')::interval, '{"approved": true}'::jsonb
      from generate_series(1, 2000) g`);
    for (let i = 0; i < 3; i++) procs.push(spawnWorker(dbh.url, { WORKER_BATCH_SIZE: '50' }));
    await Promise.all(procs.map((p) => waitForOutput(p, /Starting workflow resumer worker interval=1s batch_size=50/)));
    const deadline = Date.now() + 60_000;
    let remaining = 2000;
    while (remaining > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      remaining = (await sqlRows<{ n: number }>(db, sql`select count(*)::int as n from workflow_executions where status <> 'completed'`))[0]!.n;
    }
    expect(remaining).toBe(0);
    const resumedTwice = await sqlRows(db, sql`
      select execution_id from execution_events where type = 'resumed' group by execution_id having count(*) <> 1`);
    expect(resumedTwice).toEqual([]);
    const counts = await sqlRows<{ resumed: number; fulfilled: number; bad: number }>(db, sql`
      select (select count(*)::int from execution_events where type = 'resumed') as resumed,
             (select count(*)::int from execution_events where type = 'step_completed' and step_id = 'fulfil') as fulfilled,
             (select count(*)::int from workflow_executions where resume_count <> 1 or context->>'fulfilled' <> 'true') as bad`);
    expect(counts[0]).toEqual({ resumed: 2000, fulfilled: 2000, bad: 0 });
    // Each worker logs the spec's cycle line (a fast drain can finish before a worker's first cycle
    // ends, so wait for it rather than assume it)…
    await Promise.all(procs.map((p) => waitForOutput(p, /Paused executions processed: resumed=\d+, skipped=\d+, errors=\d+/)));
    // …and keeps a heartbeat row while it runs.
    let beats = 0;
    for (const end = Date.now() + 20_000; beats < 3 && Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
      beats = (await sqlRows<{ n: number }>(db, sql`select count(*)::int as n from worker_heartbeats where last_cycle_at is not null`))[0]!.n;
    }
    expect(beats).toBe(3);
    // On SIGTERM each finishes the item in hand, removes its heartbeat and exits 0.
    for (const p of procs) p.child.kill('SIGTERM');
    const exits = await Promise.all(procs.map((p) => p.exited));
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0]);
    const after = await sqlRows<{ n: number }>(db, sql`select count(*)::int as n from worker_heartbeats`);
    expect(after[0]!.n).toBe(0);
  });

  it('resumes a decision within a second through LISTEN/NOTIFY, long before the next sweep', async () => {
    const wf = await createWorkflow(db, { key: uid('push'), name: 'Push', definition: APPROVAL_FLOW as never });
    const worker = spawnWorker(dbh.url, { WORKER_INTERVAL: '10m' });
    procs.push(worker);
    await waitForOutput(worker, /Paused executions processed/); // the first sweep is done; the next is 10 minutes away
    await new Promise((r) => setTimeout(r, 300)); // let the listener connect
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const ex = await startExecution(db, starter, { workflow_id: wf.key, trigger_payload: { amount: 50_000 + i } });
      expect(ex.status).toBe('paused');
      const [approval] = await sqlRows<{ id: string }>(db, sql`select id from approval_requests where execution_id = ${ex.id}::uuid`);
      const t0 = Date.now();
      await decideApproval(db, approver, approval!.id, 'approve');
      let status = 'paused';
      while (status === 'paused' && Date.now() - t0 < 3000) {
        await new Promise((r) => setTimeout(r, 10));
        status = (await sqlRows<{ status: string }>(db, sql`select status from workflow_executions where id = ${ex.id}::uuid`))[0]!.status;
      }
      latencies.push(Date.now() - t0); // decision → running again
      while (status !== 'completed' && Date.now() - t0 < 5000) {
        await new Promise((r) => setTimeout(r, 10));
        status = (await sqlRows<{ status: string }>(db, sql`select status from workflow_executions where id = ${ex.id}::uuid`))[0]!.status;
      }
      expect(status).toBe('completed');
    }
    expect(Math.max(...latencies)).toBeLessThan(1000);
    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
  });
});

describe('worker sweep (injected clock)', () => {
  let dbh: Awaited<ReturnType<typeof isolatedDatabase>>;
  let db: Db;
  beforeAll(async () => {
    dbh = await isolatedDatabase(5);
    db = dbh.db;
  });
  afterAll(async () => {
    await dbh.close();
  });

  const sweep = (at: Date, log = memoryLog().log, batchSize = 50) => sweepOnce({ db, log, batchSize, now: () => at, shouldStop: () => false });
  const status = async (id: string) =>
    (await sqlRows<{ status: string; context: Record<string, unknown> }>(db, sql`select status, context from workflow_executions where id = ${id}::uuid`))[0]!;

  it('applies each on_timeout when an approval times out', async () => {
    const def = (onTimeout: string | undefined, withReject: boolean) => ({
      steps: [
        {
          id: 'gate',
          type: 'approval',
          reason: 'Timed gate',
          timeout: 'PT1H',
          ...(onTimeout ? { on_timeout: onTimeout } : {}),
          on_approve: 'yes',
          ...(withReject ? { on_reject: 'no' } : {}),
        },
        { id: 'yes', type: 'action', action: { type: 'set', values: { branch: 'approved' } } },
        { id: 'no', type: 'action', action: { type: 'set', values: { branch: 'rejected' } } },
      ],
    });
    const cases = [
      { onTimeout: 'approve', withReject: true, expected: 'completed', branch: 'approved' },
      { onTimeout: 'reject', withReject: true, expected: 'completed', branch: 'rejected' },
      { onTimeout: undefined, withReject: false, expected: 'expired', branch: undefined },
      { onTimeout: 'fail', withReject: true, expected: 'failed', branch: undefined },
    ];
    const ids: string[] = [];
    for (const c of cases) {
      const wf = await createWorkflow(db, { key: uid('timeout'), name: 'Timeout', definition: def(c.onTimeout, c.withReject) as never });
      ids.push((await startExecution(db, starter, { workflow_id: wf.key, trigger_payload: {} })).id);
    }
    const early = await sweep(new Date(Date.now() + 30 * 60_000));
    expect(early.expired).toBe(0);
    const counts = await sweep(new Date(Date.now() + 2 * 3_600_000));
    expect(counts.expired).toBe(4);
    for (const [i, c] of cases.entries()) {
      const s = await status(ids[i]!);
      expect(s.status, JSON.stringify(c)).toBe(c.expected);
      if (c.branch) expect(s.context.branch).toBe(c.branch);
      const [a] = await sqlRows<{ status: string }>(db, sql`select status from approval_requests where execution_id = ${ids[i]!}::uuid`);
      expect(a!.status).toBe('expired');
      const ev = await sqlRows<{ n: number }>(db, sql`select count(*)::int as n from execution_events where execution_id = ${ids[i]!}::uuid and type = 'expired'`);
      expect(ev[0]!.n).toBe(1);
    }
  });

  it('expires a manual pause after PAUSE_MAX_DURATION (7 days) and wakes due wait steps', async () => {
    const wf = await createWorkflow(db, {
      key: uid('wait'),
      name: 'Wait',
      definition: { steps: [{ id: 'w', type: 'wait', duration: 'PT1M', next: 'x' }, { id: 'x', type: 'action', action: { type: 'set', values: { woke: true } } }] } as never,
    });
    const sleeper = await startExecution(db, starter, { workflow_id: wf.key, trigger_payload: {} });
    const toPause = await startExecution(db, starter, { workflow_id: wf.key, trigger_payload: {} });
    await pauseExecution(db, starter, toPause.id, { reason: 'hold' });
    await sweep(new Date(Date.now() + 2 * 60_000));
    expect(await status(sleeper.id)).toMatchObject({ status: 'completed', context: { woke: true } });
    expect((await status(toPause.id)).status).toBe('paused');
    await sweep(new Date(Date.now() + 6 * 86_400_000));
    expect((await status(toPause.id)).status).toBe('paused');
    await sweep(new Date(Date.now() + 7 * 86_400_000 + 60_000));
    expect((await status(toPause.id)).status).toBe('expired');
  });

  it('never lets old undecided pauses starve a new decision, and warns about old pauses once a day', async () => {
    const wf = await createWorkflow(db, { key: uid('starve'), name: 'Starve', definition: APPROVAL_FLOW as never });
    await db.execute(sql`
      insert into workflow_executions (workflow_id, status, trigger_payload, context, current_step_id, started_by, paused_at, paused_reason,
        paused_step_id, next_step_id, pause_kind, paused_by, pause_expires_at)
      select ${wf.id}::uuid, 'paused', '{}'::jsonb, '{}'::jsonb, 'require-approval', 'seed', now() - interval '3 days', 'old',
        'require-approval', 'fulfil', 'approval', 'seed', now() + interval '4 days'
      from generate_series(1, 120)`);
    const fresh = await startExecution(db, starter, { workflow_id: wf.key, trigger_payload: { amount: 20_000 } });
    const [approval] = await sqlRows<{ id: string }>(db, sql`select id from approval_requests where execution_id = ${fresh.id}::uuid`);
    await decideApproval(db, approver, approval!.id, 'approve');
    const m = memoryLog();
    const now = new Date();
    const c = await sweep(now, m.log, 10);
    expect(c.resumed).toBe(1);
    expect((await status(fresh.id)).status).toBe('completed');
    const warnings = () => m.lines.filter((l) => /paused for more than 24h/.test(l.msg)).length;
    expect(warnings()).toBeGreaterThanOrEqual(120);
    const before = warnings();
    await sweep(new Date(now.getTime() + 3_600_000), m.log, 10);
    expect(warnings()).toBe(before);
    await sweep(new Date(now.getTime() + 25 * 3_600_000), m.log, 10);
    expect(warnings()).toBeGreaterThanOrEqual(before + 120);
  });
});
