import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createApiToken } from '@/lib/core/access/api-tokens';
import { ROLE_PERMISSIONS } from '@/lib/core/access/permissions';
import { createUser } from '@/lib/core/access/users';
import { createWorkflow } from '@/lib/core/workflows/workflows';
import { createDb, type Db } from '@/lib/db/client';
import { isolatedDatabase, uid } from '../helpers/env';
import { call, type ApiResponse } from '../helpers/http';
import { spawnWorker, waitForOutput, type Proc } from '../helpers/processes';
import { startWebServer, type WebServer } from '../helpers/web-server';
import { APPROVAL_FLOW } from '../helpers/workflows';

/**
 * The database connections of a web server and a worker are cut (pg_terminate_backend, again and
 * again for a while: the database is "away") while requests keep coming. Both recover without a
 * restart; while the database is away, requests fail only with 503 `unavailable` (never a 500,
 * never details); afterwards everything succeeds again; and no committed decision is lost — the
 * worker resumes every approval that was answered 200.
 *
 * Only the connections to this test's own database are terminated, so other test files running at
 * the same time are not touched.
 */
type Sample = { at: number; kind: string; res: ApiResponse; ms: number };

const OUTAGE_MS = 2500;
// Generous: on a loaded 2-core CI machine a pool needs a few seconds to reconnect; what matters is
// that errors stop by themselves and every kind of request succeeds afterwards.
const GRACE_MS = 20_000; // the pools notice dead connections at their next use

describe('the database connection dropped under load', () => {
  let dbh: Awaited<ReturnType<typeof isolatedDatabase>>;
  let handle: ReturnType<typeof createDb>;
  let db: Db;
  let admin: pg.Client;
  let web: WebServer;
  let worker: Proc;

  beforeAll(async () => {
    dbh = await isolatedDatabase();
    handle = createDb(dbh.url, 3);
    db = handle.db;
    admin = new pg.Client({ connectionString: process.env.TEST_ADMIN_URL });
    admin.on('error', () => undefined);
    await admin.connect();
    [web] = await Promise.all([startWebServer(dbh.url, { DATABASE_POOL_SIZE: '5' })]);
    worker = spawnWorker(dbh.url, { WORKER_INTERVAL: '1s' });
    await waitForOutput(worker, /Paused executions processed/);
  });
  afterAll(async () => {
    if (process.env.WR_DEBUG_OUTPUT) (await import('node:fs')).writeFileSync('/tmp/web-out.log', web.output() + '\n=== worker\n' + worker.output());
    await web?.stop();
    if (worker && worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await admin?.end();
    await handle?.pool.end();
    await dbh?.close();
  });

  it('recovers by itself, errs only while the database is away (503, never 500), and loses no committed decision', async () => {
    const starterEmail = `${uid('starter')}@example.com`;
    await createUser(db, { email: starterEmail, role: 'operator', password: 'starter-password-1' });
    const operator = (await createApiToken(db, { name: uid('op'), permissions: [...ROLE_PERMISSIONS.operator], userEmail: starterEmail })).token;
    const approverEmail = `${uid('approver')}@example.com`;
    await createUser(db, { email: approverEmail, role: 'approver', password: 'approver-password-1' });
    const approver = (await createApiToken(db, { name: uid('ap'), permissions: [...ROLE_PERMISSIONS.approver], userEmail: approverEmail })).token;
    const wf = await createWorkflow(db, { key: uid('outage'), name: 'Outage', definition: APPROVAL_FLOW as never });

    const samples: Sample[] = [];
    const base = web.baseUrl;
    // On a failure, show what the server and the worker said (the cause is usually there).
    onTestFailed(() => {
      console.log(`--- web server output (tail)\n${web.output().slice(-6000)}\n--- worker output (tail)\n${worker.output().slice(-3000)}`);
      const slow = samples.filter((x) => x.ms > 5000).map((x) => `${x.kind} ${x.res.status} ${x.ms} ms at +${x.at - samples[0]!.at} ms`);
      console.log(`--- requests slower than 5 s: ${slow.length ? slow.join('; ') : 'none'}`);
    });
    const approvalsToDecide: string[] = [];
    const decided = new Map<string, string>(); // approval id → execution id, answered 200
    let stop = false;

    // Load: four loops — start executions (each pauses for approval), approve them, list the paused ones.
    const starter = async () => {
      while (!stop) {
        const at = Date.now();
        const res = await call('POST', '/api/v1/executions', { token: operator, body: { workflow_id: wf.key, trigger_payload: { amount: 20_000 } }, baseUrl: base });
        samples.push({ at, kind: 'start', res, ms: Date.now() - at });
        if (res.status === 201) {
          const detail = await call('GET', `/api/v1/executions/${res.body.id}`, { token: operator, baseUrl: base });
          if (detail.status === 200 && detail.body.approvals[0]) approvalsToDecide.push(`${detail.body.approvals[0].id} ${res.body.id}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const decider = async () => {
      while (!stop) {
        const next = approvalsToDecide.shift();
        if (!next) {
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        const [approvalId, executionId] = next.split(' ') as [string, string];
        const at = Date.now();
        const res = await call('POST', `/api/v1/approvals/${approvalId}/approve`, { token: approver, body: {}, baseUrl: base });
        samples.push({ at, kind: 'approve', res, ms: Date.now() - at });
        if (res.status === 200) decided.set(approvalId, executionId);
        // A 503 leaves the outcome unknown to the client (the commit may or may not have happened):
        // retry later, as a client would; a repeat then answers 409 not_pending if it had committed.
        else if (res.status === 503) approvalsToDecide.push(next);
      }
    };
    const lister = async () => {
      while (!stop) {
        const at = Date.now();
        const res = await call('GET', '/api/v1/executions/paused?limit=5', { token: operator, baseUrl: base });
        samples.push({ at, kind: 'list', res, ms: Date.now() - at });
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const loops = [starter(), decider(), lister(), lister()];

    await new Promise((r) => setTimeout(r, 1500));
    // The database goes away: every connection to it is terminated, over and over, for OUTAGE_MS.
    const outageStart = Date.now();
    let terminated = 0;
    while (Date.now() - outageStart < OUTAGE_MS) {
      const r = await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`,
        [new URL(dbh.url).pathname.slice(1)],
      );
      terminated += r.rowCount ?? 0;
      await new Promise((r2) => setTimeout(r2, 50));
    }
    const outageEnd = Date.now();
    await new Promise((r) => setTimeout(r, GRACE_MS + 4000));
    stop = true;
    await Promise.all(loops);

    expect(terminated).toBeGreaterThan(0);
    // Never a 500 (or any 5xx but 503), never details.
    const bad = samples.filter((s) => s.res.status >= 500 && s.res.status !== 503);
    expect(bad.map((s) => `${s.kind} ${s.res.status} ${JSON.stringify(s.res.body)}`)).toEqual([]);
    for (const s of samples.filter((x) => x.res.status === 503)) {
      expect(s.res.body).toEqual({ error: { code: 'unavailable', message: expect.any(String) } });
      expect(JSON.stringify(s.res.body)).not.toMatch(/terminat|ECONN|select|insert|update|at \//i);
    }
    // Errors only while the database is away (a request started before the end may still fail).
    const failures = samples.filter((s) => !(s.res.status >= 200 && s.res.status < 300) && !(s.kind === 'approve' && s.res.status === 409));
    for (const f of failures) {
      expect(f.at, `${f.kind} ${f.res.status} at +${f.at - outageStart} ms`).toBeGreaterThanOrEqual(outageStart - 1000);
      expect(f.at, `${f.kind} ${f.res.status} at +${f.at - outageStart} ms`).toBeLessThanOrEqual(outageEnd + GRACE_MS);
    }
    // A 409 on an approve only for a retry of one whose earlier attempt had committed after all.
    for (const s of samples.filter((x) => x.kind === 'approve' && x.res.status === 409)) expect(s.res.body.error.code).toBe('not_pending');
    // It kept working afterwards: every kind of request succeeded after the outage.
    const after = samples.filter((s) => s.at > outageEnd + GRACE_MS);
    for (const kind of ['start', 'approve', 'list']) {
      const ok = after.filter((s) => s.kind === kind && s.res.status >= 200 && s.res.status < 300);
      expect(ok.length, `${kind} requests succeeded after the outage`).toBeGreaterThan(0);
    }
    expect(web.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();

    // No committed decision is lost: every approval answered 200 — and every approval the database
    // holds as approved — gets its execution resumed and completed by the (recovered) worker.
    expect(decided.size).toBeGreaterThan(0);
    const ids = [...decided.values()];
    let left = ids.length;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const r = await handle.pool.query<{ n: number }>(
        `select count(*)::int as n from workflow_executions where id = any($1::uuid[]) and status <> 'completed'`,
        [ids],
      );
      const orphans = await handle.pool.query<{ n: number }>(
        `select count(*)::int as n from approval_requests a join workflow_executions e on e.id = a.execution_id where a.status = 'approved' and e.status <> 'completed'`,
      );
      left = r.rows[0]!.n + orphans.rows[0]!.n;
      if (left === 0) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(left).toBe(0);
    const [twice] = (
      await handle.pool.query<{ n: number }>(
        `select count(*)::int as n from (select execution_id from execution_events where type = 'resumed' group by execution_id having count(*) > 1) x`,
      )
    ).rows;
    expect(twice!.n).toBe(0);
    // The worker logged cycles after the outage: it recovered without a restart.
    const cyclesAfter = worker
      .output()
      .split('\n')
      .filter((l) => /Paused executions processed/.test(l))
      .map((l) => {
        try {
          const t = (JSON.parse(l) as { time: string | number }).time;
          return typeof t === 'number' ? t : Date.parse(t);
        } catch {
          return NaN;
        }
      })
      .filter((t) => t > outageEnd);
    expect(cyclesAfter.length).toBeGreaterThan(0);
  });
});
