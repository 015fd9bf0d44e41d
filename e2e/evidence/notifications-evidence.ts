/**
 * Done-when evidence for issue 12, printed: a web server and a worker on a fresh database, a local
 * SMTP sink and webhook receiver. The request mail arrives within 5 s of the pause, its link decides
 * it, a short-duration step reminds and escalates, and delegation routes a request to the delegate.
 * Prints every mail (headers and text part) and every webhook body (signature checked).
 *
 *   npx tsx e2e/evidence/notifications-evidence.ts          # PostgreSQL at postgres://postgres@127.0.0.1:5432
 *   EVIDENCE_ADMIN_URL=postgres://… npx tsx e2e/evidence/notifications-evidence.ts
 */
import { createHmac } from 'node:crypto';
import pg from 'pg';
import { ensureBuild } from '@/lib/bin/support/build';
import { ensureDatabase } from '@/lib/bin/support/embedded-postgres';
import { createApiToken } from '@/lib/core/access/api-tokens';
import { ROLE_PERMISSIONS, type Role } from '@/lib/core/access/permissions';
import { createUser } from '@/lib/core/access/users';
import { createDb } from '@/lib/db/client';
import { runMigrations } from '@/lib/db/migrate';
import { linkIn, startMailSink, startWebhookReceiver, type ReceivedMail } from '../helpers/mail-sink';
import { spawnWorker, waitForOutput } from '../helpers/processes';
import { startWebServer } from '../helpers/web-server';

const SECRET = 'evidence-webhook-secret-0123456789';
const adminUrl = process.env.EVIDENCE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `wr_evidence_${Date.now().toString(36)}`;

function printMail(m: ReceivedMail, t0: number, note: string) {
  const h = m.parsed.headers;
  console.log(`\n==== MAIL: ${note} (arrived ${((m.at - t0) / 1000).toFixed(2)} s after the pause) ====`);
  for (const k of ['message-id', 'date', 'from', 'to', 'subject', 'x-workflow-resumer-kind', 'x-workflow-resumer-approval']) {
    const v = h.get(k);
    const text = typeof v === 'string' ? v : v && typeof v === 'object' && 'text' in v ? (v as { text: string }).text : v instanceof Date ? v.toISOString() : JSON.stringify(v);
    console.log(`${k}: ${text}`);
  }
  console.log(`(parts: text ${m.parsed.text?.length ?? 0} chars, html ${typeof m.parsed.html === 'string' ? m.parsed.html.length : 0} chars)`);
  console.log('---- text part ----');
  console.log(m.parsed.text?.trimEnd());
}

async function main() {
  ensureBuild(process.cwd());
  const url = await ensureDatabase(adminUrl, dbName);
  await runMigrations(url);
  const { db, pool } = createDb(url, 3);
  const sink = await startMailSink();
  const hooks = await startWebhookReceiver();
  const web = await startWebServer(url, { WEBHOOK_URL: hooks.url, WEBHOOK_SECRET: SECRET, WR_SKIP_MIGRATE: '1' });
  const worker = spawnWorker(url, { SMTP_URL: sink.url, WEBHOOK_URL: hooks.url, WEBHOOK_SECRET: SECRET, PUBLIC_URL: web.baseUrl, WORKER_INTERVAL: '1m', LOG_LEVEL: 'warn' });
  try {
    await waitForOutput(worker, /listening|Starting|"level"/, 30_000).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1500));
    const person = async (name: string, role: Role) => {
      const email = `${name}@example.com`;
      await createUser(db, { email, role, name: name[0]!.toUpperCase() + name.slice(1), password: 'correct-horse-battery' });
      const t = await createApiToken(db, { name: `evidence-${name}`, permissions: [...ROLE_PERMISSIONS[role]], userEmail: email });
      return { email, token: t.token };
    };
    const [ops, alice, carol, dave] = [await person('olivia', 'operator'), await person('alice', 'approver'), await person('carol', 'approver'), await person('dave', 'approver')];
    const call = async (method: string, path: string, token: string | null, body?: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(`${web.baseUrl}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const workflow = async (key: string, step: Record<string, unknown>) => {
      const r = await call('POST', '/api/v1/workflows', ops.token, {
        key,
        name: key === 'refunds' ? 'Refund approval' : 'Vendor onboarding',
        definition: { steps: [{ id: 'gate', type: 'approval', reason: key === 'refunds' ? 'Refund over 10,000' : 'New vendor', on_approve: 'done', ...step }, { id: 'done', type: 'action', action: { type: 'set', values: { done: true } } }] },
      });
      if (r.status !== 201) throw new Error(JSON.stringify(r.body));
    };
    const start = async (key: string, payload: Record<string, unknown>) => {
      const r = await call('POST', '/api/v1/executions', ops.token, { workflow_id: key, trigger_payload: payload });
      const t0 = Date.now();
      const d = await call('GET', `/api/v1/executions/${r.body.id}`, ops.token);
      return { id: r.body.id as string, status: r.body.status as string, approvalId: d.body.approvals[0].id as string, t0 };
    };
    const decideByLink = async (link: string, decision: 'approve' | 'reject', comment: string) => {
      const token = link.split('/decide/')[1]!;
      const page = await fetch(link);
      const view = await call('GET', `/api/v1/decision-links/${token}`, null);
      const res = await call('POST', `/api/v1/decision-links/${token}/${decision}`, null, { comment }, { 'x-csrf-token': view.body.csrf_token });
      console.log(`\n>>> GET ${link.replace(token, token.slice(0, 10) + '…')} → ${page.status} (page), link state before: ${view.body.state}; POST ${decision} → ${res.status}, state after: ${res.body.state}, decisions: ${JSON.stringify(res.body.approval?.decisions)}`);
      return res;
    };
    const waitStatus = async (id: string, want: string) => {
      for (let i = 0; i < 100; i++) {
        const s = (await call('GET', `/api/v1/executions/${id}`, ops.token)).body.status;
        if (s === want) return s;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`execution ${id} never became ${want}`);
    };

    console.log('\n######## 1. Request mail within 5 s, reminder at 3 s, escalation at 6 s, decided by its link ########');
    await workflow('refunds', { assignees: [alice.email], remind_after: ['PT3S'], escalate_after: 'PT6S', escalate_to: { users: [carol.email] } });
    const ex = await start('refunds', { refund_id: 'RF-7781', amount: 12500, customer: 'ACME GmbH' });
    console.log(`execution ${ex.id} → ${ex.status}; approval ${ex.approvalId}`);
    const requested = await sink.waitFor((m) => m.to.includes(alice.email) && m.parsed.headers.get('x-workflow-resumer-kind') === 'requested', 5_000);
    printMail(requested, ex.t0, 'request to the assignee');
    printMail(await sink.waitFor((m) => m.to.includes(alice.email) && m.parsed.headers.get('x-workflow-resumer-kind') === 'reminder', 20_000), ex.t0, 'reminder (remind_after PT3S)');
    const escalated = await sink.waitFor((m) => m.to.includes(carol.email) && m.parsed.headers.get('x-workflow-resumer-kind') === 'escalated', 20_000);
    printMail(escalated, ex.t0, 'escalation (escalate_after PT6S → carol)');
    await decideByLink(linkIn(requested), 'approve', 'Invoice checked');
    console.log(`execution ${ex.id} → ${await waitStatus(ex.id, 'completed')}`);
    const a = await call('GET', `/api/v1/approvals/${ex.approvalId}`, ops.token);
    console.log(`approval: status ${a.body.status}, assigned_to ${JSON.stringify(a.body.assigned_to)}, reminders_sent ${a.body.reminders_sent}`);
    await new Promise((r) => setTimeout(r, 1000));
    const after = await call('GET', `/api/v1/approvals/${ex.approvalId}`, ops.token);
    console.log('notifications:', JSON.stringify(after.body.notifications.map((n: Record<string, unknown>) => [n.kind, n.channel, n.recipient, n.status, n.attempts])));
    const timeline = await call('GET', `/api/v1/executions/${ex.id}`, ops.token);
    console.log('timeline:', timeline.body.events.map((e: { type: string; actor: string }) => `${e.type}(${e.actor})`).join(' → '));

    console.log('\n######## 2. Delegation routes a request to the delegate ########');
    const del = await call('PUT', '/api/v1/me/delegation', alice.token, { to: dave.email, until: new Date(Date.now() + 86_400_000).toISOString() });
    console.log(`PUT /api/v1/me/delegation (alice → dave) → ${del.status} ${JSON.stringify(del.body)}`);
    await workflow('vendors', { assignees: [alice.email] });
    const ex2 = await start('vendors', { vendor: 'Globex', iban: 'DE89…3000' });
    const toDave = await sink.waitFor((m) => m.to.includes(dave.email) && m.parsed.headers.get('x-workflow-resumer-approval') === ex2.approvalId, 5_000);
    printMail(toDave, ex2.t0, 'request routed to the delegate');
    await decideByLink(linkIn(toDave), 'approve', 'Approved for Alice');
    console.log(`execution ${ex2.id} → ${await waitStatus(ex2.id, 'completed')}`);

    await new Promise((r) => setTimeout(r, 1500));
    console.log(`\n######## Webhook bodies (${hooks.hooks.length}) ########`);
    for (const h of hooks.hooks) {
      const ok = h.headers['x-workflow-resumer-signature'] === `sha256=${createHmac('sha256', SECRET).update(h.raw).digest('hex')}`;
      console.log(`\n==== WEBHOOK ${h.headers['x-workflow-resumer-event']} delivery ${h.headers['x-workflow-resumer-delivery']} signature ${ok ? 'valid' : 'INVALID'} ====`);
      console.log(JSON.stringify(h.body, null, 2));
    }
    console.log(`\n(${sink.mails.length} mails received in all)`);
  } finally {
    worker.child.kill('SIGTERM');
    await worker.exited;
    await web.stop();
    await sink.close();
    await hooks.close();
    await pool.end();
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`drop database if exists ${c.escapeIdentifier(dbName)} with (force)`);
    await c.end();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
