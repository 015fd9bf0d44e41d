/**
 * Done-when evidence for issue 13 (callbacks by key, recover), printed as curl transcripts against a
 * real web server and worker on a fresh database:
 *   1. a callback held before its pause, and consumed by it (the execution runs on at once);
 *   2. an extend of a pause's deadline;
 *   3. a reopen after an approval expired (a step timeout of 4 s, expired by the worker), approved, completed.
 *
 *   npx tsx e2e/evidence/recover-evidence.ts          # PostgreSQL at postgres://postgres@127.0.0.1:5432
 *   EVIDENCE_ADMIN_URL=postgres://… npx tsx e2e/evidence/recover-evidence.ts
 */
import pg from 'pg';
import { ensureBuild } from '@/lib/bin/support/build';
import { ensureDatabase } from '@/lib/bin/support/embedded-postgres';
import { createApiToken } from '@/lib/core/access/api-tokens';
import { ROLE_PERMISSIONS, type Role } from '@/lib/core/access/permissions';
import { createUser } from '@/lib/core/access/users';
import { createDb } from '@/lib/db/client';
import { runMigrations } from '@/lib/db/migrate';
import { spawnWorker, waitForOutput } from '../helpers/processes';
import { startWebServer } from '../helpers/web-server';

const adminUrl = process.env.EVIDENCE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `wr_evidence_${Date.now().toString(36)}`;

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What of an execution the transcript shows (the whole body is long). */
const EXECUTION_FIELDS = ['id', 'status', 'current_step_id', 'paused_step_id', 'pause_kind', 'callback_key', 'paused_at', 'pause_expires_at', 'resume_data', 'resume_count', 'context', 'error', 'version'];
function abbreviate(body: Body | null): unknown {
  if (!body || typeof body !== 'object') return body;
  if ('execution_id' in body && 'step_id' in body) {
    return { id: body.id, status: body.status, execution_id: body.execution_id, step_id: body.step_id, assigned_to: body.assigned_to, created_at: body.created_at, execution_status: body.execution?.status };
  }
  if ('workflow_id' in body && 'status' in body) {
    const out: Body = Object.fromEntries(EXECUTION_FIELDS.filter((k) => k in body).map((k) => [k, body[k]]));
    if (Array.isArray(body.events)) out.timeline = body.events.map((e: Body) => `${e.type}${e.step_id ? `@${e.step_id}` : ''} by ${e.actor}`);
    if (Array.isArray(body.approvals)) out.approvals = body.approvals.map((a: Body) => ({ id: a.id, status: a.status, created_at: a.created_at }));
    return out;
  }
  return body;
}

async function main() {
  ensureBuild(process.cwd());
  const url = await ensureDatabase(adminUrl, dbName);
  await runMigrations(url);
  const { db, pool } = createDb(url, 3);
  const web = await startWebServer(url, { WR_SKIP_MIGRATE: '1' });
  const worker = spawnWorker(url, { WORKER_INTERVAL: '1s', LOG_LEVEL: 'info' });
  const base = web.baseUrl;
  try {
    await waitForOutput(worker, /Starting workflow resumer worker/, 30_000);
    const person = async (name: string, role: Role) => {
      const email = `${name}@example.com`;
      await createUser(db, { email, role, name: name[0]!.toUpperCase() + name.slice(1), password: 'correct-horse-battery' });
      const t = await createApiToken(db, { name: `evidence-${name}`, permissions: [...ROLE_PERMISSIONS[role]], userEmail: email });
      return { email, token: t.token, env: `$${name.toUpperCase()}_TOKEN` };
    };
    const ops = await person('olivia', 'operator');
    const alice = await person('alice', 'approver');
    const gw = await createApiToken(db, { name: 'payment-gateway', permissions: ['callback:send'] });
    const gateway = { token: gw.token, env: '$GATEWAY_TOKEN' };
    console.log(`# base URL ${base}; tokens: OLIVIA (operator), ALICE (approver), GATEWAY (a standalone token holding only callback:send)`);

    const call = async (who: { token: string; env: string }, method: string, path: string, body?: unknown) => {
      console.log(`\n$ curl -s -X ${method} ${base}${path} -H "Authorization: Bearer ${who.env}"${body === undefined ? '' : ` -d '${JSON.stringify(body)}'`}`);
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${who.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await res.json().catch(() => null)) as Body;
      console.log(`< HTTP ${res.status}`);
      console.log(JSON.stringify(abbreviate(json), null, 2));
      return { status: res.status, body: json };
    };
    const quiet = async (token: string, path: string) => (await (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } })).json()) as Body;
    const until = async (what: string, id: string, ok: (b: Body) => boolean, ms = 20_000) => {
      const t0 = Date.now();
      for (;;) {
        const b = await quiet(ops.token, `/api/v1/executions/${id}`);
        if (ok(b)) return console.log(`\n# (${what} after ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
        if (Date.now() - t0 > ms) throw new Error(`${what}: still ${b.status}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };

    console.log('\n######## 1. A callback held before its pause, consumed by it ########');
    await call(ops, 'POST', '/api/v1/workflows', {
      key: 'payments',
      name: 'Card payment',
      definition: {
        steps: [
          { id: 'charge', type: 'action', action: { type: 'set', values: { charged: true } }, next: 'wait-gateway' },
          { id: 'wait-gateway', type: 'pause', reason: 'Awaiting the gateway', callback_key: 'payment:${order_id}', timeout: 'PT1H', next: 'fulfil' },
          { id: 'fulfil', type: 'action', action: { type: 'set', values: { fulfilled: true } } },
        ],
      },
    });
    await call(gateway, 'POST', '/api/v1/callbacks/payment:A-1001', { resume_data: { paid: 4200, gateway_ref: 'ch_9f2' } });
    await call(ops, 'GET', '/api/v1/callbacks?status=held');
    const started = await call(ops, 'POST', '/api/v1/executions', { workflow_id: 'payments', trigger_payload: { order_id: 'A-1001' } });
    await call(ops, 'GET', `/api/v1/executions/${started.body.id}`);
    await call(ops, 'GET', '/api/v1/callbacks?status=consumed');
    await call(gateway, 'POST', '/api/v1/callbacks/payment:A-1001', { resume_data: { paid: 1 } });
    await call(gateway, 'POST', '/api/v1/callbacks/payment:A-1001', { resume_data: { paid: 2 } });

    console.log('\n######## 2. Extend a pause ########');
    const waiting = await call(ops, 'POST', '/api/v1/executions', { workflow_id: 'payments', trigger_payload: { order_id: 'A-1002' } });
    await call(ops, 'POST', `/api/v1/executions/${waiting.body.id}/extend`, { by: 'PT24H' });
    await call(ops, 'POST', `/api/v1/executions/${waiting.body.id}/extend`, { by: 'P40D' });
    await call(gateway, 'POST', '/api/v1/callbacks/payment:A-1002', { resume_data: { paid: 990 } });
    await call(ops, 'POST', `/api/v1/executions/${waiting.body.id}/extend`, { by: 'PT1H' });

    console.log('\n######## 3. Reopen after expiry, then approve: it completes ########');
    await call(ops, 'POST', '/api/v1/workflows', {
      key: 'refunds',
      name: 'Refund approval',
      definition: {
        steps: [
          { id: 'check', type: 'action', action: { type: 'set', values: { checked: true } }, next: 'sign-off' },
          { id: 'sign-off', type: 'approval', reason: 'Refund over 1,000', assignees: [alice.email], timeout: 'PT4S', on_approve: 'refund' },
          { id: 'refund', type: 'action', action: { type: 'set', values: { refunded: true } } },
        ],
      },
    });
    const ex = await call(ops, 'POST', '/api/v1/executions', { workflow_id: 'refunds', trigger_payload: { order_id: 'R-77', amount: 1500 } });
    await until('expired by the worker', ex.body.id, (b) => b.status === 'expired');
    const expired = await call(ops, 'GET', `/api/v1/executions/${ex.body.id}`);
    const oldApproval = expired.body.approvals[0].id as string;
    const reopened = await call(alice, 'POST', `/api/v1/approvals/${oldApproval}/reopen`, { reason: 'Customer sent the receipt' });
    await call(alice, 'POST', `/api/v1/approvals/${oldApproval}/reopen`, {});
    await call(alice, 'POST', `/api/v1/approvals/${reopened.body.id}/approve`, { comment: 'Receipt checked' });
    await until('completed: the worker resumed the decision', ex.body.id, (b) => b.status === 'completed');
    await call(ops, 'GET', `/api/v1/executions/${ex.body.id}`);
  } finally {
    worker.child.kill('SIGTERM');
    await worker.exited;
    await web.stop();
    await pool.end();
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`drop database if exists ${c.escapeIdentifier(dbName)} with (force)`);
    await c.end();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
