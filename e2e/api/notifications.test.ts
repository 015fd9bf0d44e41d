/**
 * Reaching the approver, end to end with real counterparts: a web server and worker processes on a
 * database of their own, an SMTP server (smtp-server) whose mail is parsed with mailparser, and an
 * HTTP receiver for webhooks whose signatures are checked.
 */
import { createHmac } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/lib/db/client';
import { isolatedDatabase, uid, userWithToken } from '../helpers/env';
import { api } from '../helpers/http';
import { linkIn, startMailSink, startWebhookReceiver, type MailSink, type ReceivedMail, type WebhookReceiver } from '../helpers/mail-sink';
import { spawnWorker, waitForOutput, type Proc } from '../helpers/processes';
import { startWebServer, type WebServer } from '../helpers/web-server';
import { waitFor } from '../helpers/workflows';

const SECRET = 'a-webhook-secret-of-some-length';

type Person = { email: string; token: string };

describe('notifications: mail, webhooks, decision links, reminders, escalation, delegation', () => {
  let dbh: Awaited<ReturnType<typeof isolatedDatabase>>;
  let db: Db;
  let web: WebServer;
  let sink: MailSink;
  let hooks: WebhookReceiver;
  const procs: Proc[] = [];
  let starter: Person;
  let alice: Person; // approver, assignee
  let bob: Person; // approver, not assigned
  let carol: Person; // approver, escalation target
  let dave: Person; // approver, delegate
  let admin: Person;
  let operator: Person;

  beforeAll(async () => {
    dbh = await isolatedDatabase(4);
    db = dbh.db;
    [sink, hooks] = await Promise.all([startMailSink(), startWebhookReceiver()]);
    web = await startWebServer(dbh.url, { WEBHOOK_URL: hooks.url, WEBHOOK_SECRET: SECRET, WR_SKIP_MIGRATE: '1' });
    const worker = spawnWorker(dbh.url, { SMTP_URL: sink.url, WEBHOOK_URL: hooks.url, WEBHOOK_SECRET: SECRET, PUBLIC_URL: web.baseUrl, WORKER_INTERVAL: '10m' });
    procs.push(worker);
    starter = await userWithToken('operator', db);
    const people = await Promise.all((['approver', 'approver', 'approver', 'approver', 'admin'] as const).map((r) => userWithToken(r, db)));
    [alice, bob, carol, dave, admin] = [people[0]!, people[1]!, people[2]!, people[3]!, people[4]!];
    operator = await userWithToken('operator', db);
    await waitForOutput(worker, /Paused executions processed/);
  });

  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await web?.stop();
    await Promise.all([sink?.close(), hooks?.close()]);
    await dbh?.close();
  });

  const as = (p: Person) => api(p.token, web.baseUrl);

  async function workflow(step: Record<string, unknown>): Promise<string> {
    const key = uid('notify');
    const res = await as(admin).post('/api/v1/workflows', {
      key,
      name: `Refund ${key}`,
      definition: {
        steps: [
          { id: 'gate', type: 'approval', reason: 'Refund over the limit', on_approve: 'done', ...step },
          { id: 'done', type: 'action', action: { type: 'set', values: { refunded: true } } },
        ],
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return key;
  }

  async function start(key: string, payload: Record<string, unknown> = { amount: 12_500, customer: 'ACME' }) {
    const res = await as(starter).post<{ id: string; status: string }>('/api/v1/executions', { workflow_id: key, trigger_payload: payload });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.status).toBe('paused');
    const detail = await as(admin).get<{ approvals: { id: string }[] }>(`/api/v1/executions/${res.body.id}`);
    return { id: res.body.id, approvalId: detail.body.approvals[0]!.id, at: Date.now() };
  }

  const mailTo = (p: Person, approvalId: string, kind: string) => (m: ReceivedMail) =>
    m.to.includes(p.email) && m.parsed.headers.get('x-workflow-resumer-approval') === approvalId && m.parsed.headers.get('x-workflow-resumer-kind') === kind;

  const execStatus = async (id: string) => (await as(admin).get<{ status: string }>(`/api/v1/executions/${id}`)).body.status;

  it('refuses unknown assignees at creation', async () => {
    const res = await as(admin).post('/api/v1/workflows', {
      key: uid('bad'),
      name: 'Bad',
      definition: { steps: [{ id: 'gate', type: 'approval', reason: 'x', assignees: ['nobody@example.com'] }] },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain('nobody@example.com');
  });

  it('mails the assignee within 5 s of the pause, signs the webhook, and the link decides it (a GET never does)', async () => {
    const key = await workflow({ assignees: [alice.email] });
    const ex = await start(key);
    const mail = await sink.waitFor(mailTo(alice, ex.approvalId, 'requested'), 5_000);
    expect(mail.at - ex.at).toBeLessThan(5_000);
    // Only the assignee is asked.
    expect(sink.mails.filter((m) => m.parsed.headers.get('x-workflow-resumer-approval') === ex.approvalId).map((m) => m.to).flat()).toEqual([alice.email]);
    expect(mail.parsed.subject).toContain('[Approval needed]');
    expect(mail.parsed.messageId).toMatch(/^<[0-9a-f-]{36}@127\.0\.0\.1>$/);
    expect(mail.parsed.text).toContain('Reason: Refund over the limit');
    expect(mail.parsed.text).toContain('amount: 12500');
    expect(mail.parsed.text).toContain('Deadline: ');
    expect(mail.parsed.html).toContain('Approve or reject');
    const link = linkIn(mail);
    expect(link.startsWith(`${web.baseUrl}/decide/`)).toBe(true);

    const hook = await hooks.waitFor((h) => h.body.type === 'approval.requested' && (h.body.approval as { id: string }).id === ex.approvalId);
    expect(hook.headers['x-workflow-resumer-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(hook.raw).digest('hex')}`);
    expect(hook.body.text).toContain('Refund over the limit');
    expect(hook.raw).not.toContain('/decide/'); // a webhook goes to a channel: no personal links

    // Delivery status is on the approval.
    const delivered = await waitFor(
      () => as(admin).get(`/api/v1/approvals/${ex.approvalId}`),
      (r) => r.body.notifications?.length === 2 && r.body.notifications.every((n: { status: string }) => n.status === 'sent'),
    );
    expect(delivered.body.assigned_to).toEqual([alice.email]);
    expect(delivered.body.notifications.map((n: { channel: string; kind: string; delivered_via: string }) => [n.channel, n.kind, n.delivered_via]).sort()).toEqual([
      ['email', 'requested', 'smtp'],
      ['webhook', 'requested', 'webhook'],
    ]);

    // A scanner's GET of the link: a page, and nothing decided.
    const page = await fetch(link);
    expect(page.status).toBe(200);
    const token = link.split('/decide/')[1]!;
    const view = await fetch(`${web.baseUrl}/api/v1/decision-links/${token}`).then((r) => r.json());
    expect(view).toMatchObject({ state: 'open', recipient: alice.email, approval: { status: 'pending', payload: { amount: 12_500 } } });
    expect(await execStatus(ex.id)).toBe('paused');

    // The decision is a POST with the CSRF token of the link's page.
    const post = (csrf?: string) =>
      fetch(`${web.baseUrl}/api/v1/decision-links/${token}/approve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(csrf ? { 'x-csrf-token': csrf } : {}) },
        body: JSON.stringify({ comment: 'ok by mail' }),
      });
    expect((await post()).status).toBe(403);
    expect((await post('forged')).status).toBe(403);
    const decided = await post(view.csrf_token);
    expect(decided.status).toBe(200);
    expect(await decided.json()).toMatchObject({ state: 'decided', approval: { status: 'approved', decisions: [{ actor: alice.email, comment: 'ok by mail' }] } });
    expect((await waitFor(() => execStatus(ex.id), (s) => s === 'completed'))).toBe('completed');
    // Used: the link shows the outcome and decides nothing (410); a forged token is a plain 404.
    const again = await post(view.csrf_token);
    expect(again.status).toBe(410);
    expect((await again.json()).error.code).toBe('link_closed');
    expect((await fetch(`${web.baseUrl}/api/v1/decision-links/${token}`).then((r) => r.json())).state).toBe('decided');
    expect((await fetch(`${web.baseUrl}/api/v1/decision-links/wrd_${'A'.repeat(43)}`)).status).toBe(404);
    const timeline = await as(admin).get<{ events: { type: string; actor: string; data: Record<string, unknown> }[] }>(`/api/v1/executions/${ex.id}`);
    expect(timeline.body.events.find((e) => e.type === 'approved')).toMatchObject({ actor: alice.email, data: { via: 'decision_link' } });
    await hooks.waitFor((h) => h.body.type === 'approval.decided' && (h.body.approval as { id: string }).id === ex.approvalId);
  });

  it('a decision tells the others asked and the webhook, and its answer lists every message of the request, the new ones included', async () => {
    const key = await workflow({ assignees: [alice.email, carol.email] });
    const ex = await start(key);
    await Promise.all([sink.waitFor(mailTo(alice, ex.approvalId, 'requested'), 5_000), sink.waitFor(mailTo(carol, ex.approvalId, 'requested'), 5_000)]);
    const res = await as(alice).post<{ status: string; notifications: { id: string; channel: string; kind: string; recipient: string }[] }>(
      `/api/v1/approvals/${ex.approvalId}/approve`,
      { comment: 'fine' },
    );
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('approved');
    const summary = (ns: { channel: string; kind: string; recipient: string }[]) => ns.map((n) => `${n.channel} ${n.kind} ${n.channel === 'email' ? n.recipient : ''}`.trim()).sort();
    // Carol was asked and did not vote: told that no action is needed; Alice decided: not told.
    expect(summary(res.body.notifications)).toEqual(
      [`email decided ${carol.email}`, `email requested ${alice.email}`, `email requested ${carol.email}`, 'webhook decided', 'webhook requested'].sort(),
    );
    await sink.waitFor(mailTo(carol, ex.approvalId, 'decided'), 5_000);
    await hooks.waitFor((h) => h.body.type === 'approval.decided' && (h.body.approval as { id: string }).id === ex.approvalId);
    expect(sink.mails.some(mailTo(alice, ex.approvalId, 'decided'))).toBe(false);
    // The same messages as the request shows afterwards.
    const after = await as(admin).get<{ notifications: { id: string }[] }>(`/api/v1/approvals/${ex.approvalId}`);
    expect(after.body.notifications.map((n) => n.id).sort()).toEqual(res.body.notifications.map((n) => n.id).sort());
  });

  it('only assignees decide; for=me lists what I may decide now', async () => {
    const key = await workflow({ assignees: [alice.email], required_approvals: 1 });
    const ex = await start(key);
    const forAlice = await as(alice).get<{ approvals: { id: string }[] }>('/api/v1/approvals?for=me&limit=100');
    expect(forAlice.body.approvals.map((a) => a.id)).toContain(ex.approvalId);
    const forBob = await as(bob).get<{ approvals: { id: string }[] }>('/api/v1/approvals?for=me&limit=100');
    expect(forBob.body.approvals.map((a) => a.id)).not.toContain(ex.approvalId);
    const forStarter = await as(starter).get<{ approvals: unknown[] }>('/api/v1/approvals?for=me');
    expect(forStarter.body.approvals).toEqual([]);
    const refused = await as(bob).post(`/api/v1/approvals/${ex.approvalId}/approve`, {});
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain(alice.email);
    expect((await as(alice).post(`/api/v1/approvals/${ex.approvalId}/approve`, {})).status).toBe(200);
    const mine = await as(alice).get<{ approvals: { id: string }[] }>('/api/v1/approvals?decided_by=me&limit=100');
    expect(mine.body.approvals.map((a) => a.id)).toContain(ex.approvalId);
    expect((await as(alice).get<{ approvals: { id: string }[] }>('/api/v1/approvals?for=me&limit=100')).body.approvals.map((a) => a.id)).not.toContain(ex.approvalId);
  });

  it('reminds those who have not voted, then escalates: added as assignees, notified, timeline event', async () => {
    const key = await workflow({ assignees: [alice.email], remind_after: ['PT2S'], escalate_after: 4, escalate_to: { users: [carol.email] } });
    const ex = await start(key);
    await sink.waitFor(mailTo(alice, ex.approvalId, 'requested'), 5_000);
    const reminder = await sink.waitFor(mailTo(alice, ex.approvalId, 'reminder'), 15_000);
    expect(reminder.at - ex.at).toBeGreaterThanOrEqual(1_500);
    expect(reminder.parsed.subject).toContain('[Reminder]');
    expect(linkIn(reminder)).toContain('/decide/');
    const escalation = await sink.waitFor(mailTo(carol, ex.approvalId, 'escalated'), 15_000);
    expect(escalation.parsed.subject).toContain('[Escalated]');
    await hooks.waitFor((h) => h.body.type === 'approval.escalated' && (h.body.approval as { id: string }).id === ex.approvalId);
    const a = await as(admin).get(`/api/v1/approvals/${ex.approvalId}`);
    expect(a.body).toMatchObject({ assigned_to: [alice.email, carol.email], escalated_to: [carol.email], reminders_sent: 1 });
    const events = (await as(admin).get<{ events: { type: string }[] }>(`/api/v1/executions/${ex.id}`)).body.events.map((e) => e.type);
    expect(events).toEqual(expect.arrayContaining(['reminder_sent', 'escalated']));
    // Carol decides with the link from her escalation mail.
    const token = linkIn(escalation).split('/decide/')[1]!;
    const view = await fetch(`${web.baseUrl}/api/v1/decision-links/${token}`).then((r) => r.json());
    const res = await fetch(`${web.baseUrl}/api/v1/decision-links/${token}/reject`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': view.csrf_token },
      body: '{}',
    });
    expect(res.status).toBe(200);
    expect(await waitFor(() => execStatus(ex.id), (s) => s === 'rejected')).toBe('rejected');
    // Alice's link now shows the outcome.
    const aliceToken = linkIn(reminder).split('/decide/')[1]!;
    expect((await fetch(`${web.baseUrl}/api/v1/decision-links/${aliceToken}`).then((r) => r.json())).state).toBe('decided');
  });

  it('delegation routes requests to the delegate, who decides on behalf of the assignee', async () => {
    const key = await workflow({ assignees: [alice.email] });
    const waiting = await start(key);
    await sink.waitFor(mailTo(alice, waiting.approvalId, 'requested'), 5_000);
    const set = await fetch(`${web.baseUrl}/api/v1/me/delegation`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: dave.email, until: new Date(Date.now() + 3_600_000).toISOString() }),
    });
    expect(set.status).toBe(200);
    expect((await set.json()).delegation.to).toBe(dave.email);
    // Told at once of what already waits for Alice…
    const told = await sink.waitFor(mailTo(dave, waiting.approvalId, 'requested'), 5_000);
    expect(told.parsed.text).toContain(`on behalf of ${alice.email}`);
    // …and of new requests assigned to her.
    const fresh = await start(key);
    await sink.waitFor(mailTo(alice, fresh.approvalId, 'requested'), 5_000);
    await sink.waitFor(mailTo(dave, fresh.approvalId, 'requested'), 5_000);
    expect((await as(dave).get<{ approvals: { id: string }[] }>('/api/v1/approvals?for=me&limit=100')).body.approvals.map((a) => a.id)).toContain(fresh.approvalId);
    const byDave = await as(dave).post(`/api/v1/approvals/${fresh.approvalId}/approve`, { comment: 'for Alice' });
    expect(byDave.status).toBe(200);
    expect(byDave.body.decisions[0]).toMatchObject({ actor: dave.email, on_behalf_of: alice.email });
    // One vote per person: Alice's is cast.
    expect((await as(alice).post(`/api/v1/approvals/${waiting.approvalId}/approve`, {})).status).toBe(200);
    const end = await fetch(`${web.baseUrl}/api/v1/me/delegation`, { method: 'DELETE', headers: { authorization: `Bearer ${alice.token}` } });
    expect((await end.json()).delegation).toBeNull();
    const after = await start(key);
    const refused = await as(dave).post(`/api/v1/approvals/${after.approvalId}/approve`, {});
    expect(refused.status).toBe(403);
  });

  it('the outbox page is for admins', async () => {
    expect((await as(operator).get('/api/v1/notifications')).status).toBe(403);
    const list = await as(admin).get<{ notifications: { subject: string; text: string; channel: string }[] }>('/api/v1/notifications?channel=email&status=sent&limit=5');
    expect(list.status).toBe(200);
    expect(list.body.notifications.length).toBeGreaterThan(0);
    // Sent over SMTP: the stored copy keeps no usable link.
    expect(list.body.notifications.every((n) => !/\/decide\/wrd_/.test(n.text))).toBe(true);
  });
});

describe('delivery failures', () => {
  let dbh: Awaited<ReturnType<typeof isolatedDatabase>>;
  let db: Db;
  let sink: MailSink;
  const procs: Proc[] = [];

  beforeAll(async () => {
    dbh = await isolatedDatabase(4);
    db = dbh.db;
    sink = await startMailSink();
  });
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await sink?.close();
    await dbh?.close();
  });

  it('an SMTP server that refuses, then recovers: the mail arrives once; a dead webhook blocks nothing', async () => {
    const { startExecution } = await import('@/lib/core/executions/start-execution');
    const { decideApproval } = await import('@/lib/core/approvals/decide-approval');
    const { createWorkflow } = await import('@/lib/core/workflows/workflows');
    const { userActor } = await import('@/lib/core/access/permissions');
    const { createUser } = await import('@/lib/core/access/users');
    const approver = `${uid('approver')}@example.com`;
    await createUser(db, { email: approver, role: 'approver', password: 'correct-horse-battery' });
    sink.refuseNext(2);
    const worker = spawnWorker(dbh.url, { SMTP_URL: sink.url, WORKER_INTERVAL: '10m' });
    procs.push(worker);
    await waitForOutput(worker, /Paused executions processed/);
    const wf = await createWorkflow(db, {
      key: uid('retry'),
      name: 'Retry',
      definition: {
        steps: [
          // The step's own webhook: nothing listens on that port, every attempt fails, and nothing else waits for it.
          { id: 'gate', type: 'approval', reason: 'Retry me', assignees: [approver], webhook: 'http://127.0.0.1:9/dead', on_approve: 'done' },
          { id: 'done', type: 'action', action: { type: 'allow' } },
        ],
      } as never,
    });
    const ex = await startExecution(db, userActor({ email: 'starter@example.com', name: 'S', role: 'operator' }), { workflow_id: wf.key, trigger_payload: { n: 1 } });
    const [{ id: approvalId }] = (await db.execute<{ id: string }>(sql`select id from approval_requests where execution_id = ${ex.id}::uuid`)).rows as [{ id: string }];
    // The decision and the resume go ahead while the mail is still being retried.
    await decideApproval(db, userActor({ email: approver, name: 'A', role: 'approver' }), approvalId, 'approve');
    const done = await waitFor(
      async () => (await db.execute<{ status: string }>(sql`select status from workflow_executions where id = ${ex.id}::uuid`)).rows[0]!.status,
      (s) => s === 'completed',
      10_000,
    );
    expect(done).toBe('completed');
    const mail = await sink.waitFor((m) => m.parsed.headers.get('x-workflow-resumer-approval') === approvalId && m.parsed.headers.get('x-workflow-resumer-kind') === 'requested', 30_000);
    expect(sink.refused()).toBe(2);
    const row = await waitFor(
      async () => (await db.execute<{ status: string; attempts: number; id: string }>(sql`select id, status, attempts from notifications where approval_id = ${approvalId}::uuid and channel = 'email' and kind = 'requested'`)).rows[0]!,
      (r) => r.status === 'sent',
    );
    expect(row).toMatchObject({ status: 'sent', attempts: 3 });
    expect(mail.parsed.messageId).toContain(row.id);
    await new Promise((r) => setTimeout(r, 1500));
    expect(sink.mails.filter((m) => m.parsed.messageId === mail.parsed.messageId)).toHaveLength(1);
    const hook = (await db.execute<{ status: string; attempts: number; last_error: string }>(sql`select status, attempts, last_error from notifications where approval_id = ${approvalId}::uuid and channel = 'webhook' and kind = 'requested'`)).rows[0]!;
    expect(hook.status).toBe('pending');
    expect(hook.attempts).toBeGreaterThanOrEqual(1);
    expect(hook.last_error).toMatch(/fetch failed|ECONNREFUSED/);
    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
  });
});
