/**
 * The outbox: the transaction that opens, reminds, escalates or decides an approval request writes
 * its messages here (one row per recipient and channel), and NOTIFYs the workers when it commits.
 * Nothing is sent from a request: a worker delivers (deliver.ts).
 */
import { and, asc, eq, gt, inArray, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import {
  approvalDecisions,
  approvalRequests,
  delegations,
  notifications,
  users,
  workflowExecutions,
  workflows,
  NOTIFICATION_STATUS_COLUMNS,
  type ApprovalRow,
  type ExecutionRow,
  type NotificationStatusRow,
} from '../../db/schema';
import { env } from '../../env';
import { isRole } from '../access/permissions';
import { assignedDirectly } from '../approvals/assignment';
import { loadDefinition } from '../engine/workflow-definitions';
import { composeEmail, composeWebhook, type NotificationKind, type Recipient, type RequestFacts } from './compose';
import { createDecisionLink } from './links';

/** Workers LISTEN here: a new message (or a new follow-up timer) is due. */
export const NOTIFICATION_CHANNEL = 'wr_notifications';

type NewNotification = typeof notifications.$inferInsert;

/**
 * Who is mailed: the people a request is assigned to — by name, by escalation, or by role — then
 * the active delegate of each. A request open to everyone who decides (neither assignees nor a role)
 * mails nobody (it waits in everyone's "Needs my decision"; its webhooks still go out): mailing
 * every decider of an organisation about every request would teach them to ignore the mail.
 * Never whoever started or paused the execution (they may not decide it), nor anyone in `skip`.
 */
export async function recipientsOf(tx: DbOrTx, f: RequestFacts, now: Date, skip: ReadonlySet<string> = new Set()): Promise<Recipient[]> {
  const a = f.approval;
  const named = [...a.assignedTo, ...a.escalatedTo];
  const roles = a.approverRole ? [a.approverRole] : [];
  const conditions = [];
  if (named.length) conditions.push(inArray(users.email, named));
  if (roles.length) conditions.push(inArray(users.role, roles));
  if (conditions.length === 0) return [];
  const people = await tx.select({ email: users.email, name: users.name, role: users.role }).from(users).where(or(...conditions)).orderBy(asc(users.email)).limit(500);
  const excluded = new Set([f.execution.startedBy, ...(f.execution.pausedBy ? [f.execution.pausedBy] : []), ...skip]);
  const assigned = people.filter((p) => isRole(p.role) && assignedDirectly(a, p.email, p.role) && !excluded.has(p.email));
  const out: Recipient[] = assigned.map((p) => ({ email: p.email, name: p.name, onBehalfOf: null }));
  if (assigned.length === 0) return out;
  const delegated = await tx
    .select({ from: delegations.userEmail, to: delegations.toEmail, name: users.name })
    .from(delegations)
    .innerJoin(users, eq(users.email, delegations.toEmail))
    .where(and(inArray(delegations.userEmail, assigned.map((p) => p.email)), gt(delegations.until, now)));
  const seen = new Set(out.map((r) => r.email));
  for (const d of delegated) {
    if (seen.has(d.to) || excluded.has(d.to)) continue;
    seen.add(d.to);
    out.push({ email: d.to, name: d.name, onBehalfOf: d.from });
  }
  return out;
}

/** The webhook URLs for a request: WEBHOOK_URL and the step's own `webhook`. */
async function webhooksOf(tx: DbOrTx, f: RequestFacts): Promise<string[]> {
  const def = await loadDefinition(tx, f.execution.workflowId);
  const step = def.byId.get(f.approval.stepId);
  const urls = [env().WEBHOOK_URL, step?.type === 'approval' ? step.webhook : undefined].filter((u): u is string => !!u);
  return [...new Set(urls)];
}

/** One email per recipient (with a decision link of their own unless `decided`), one body per webhook. */
async function buildMessages(tx: DbOrTx, kind: NotificationKind, f: RequestFacts, recipients: Recipient[], now: Date): Promise<NewNotification[]> {
  const base = { approvalId: f.approval.id, executionId: f.execution.id, kind, nextAttemptAt: now, createdAt: now };
  const rows: NewNotification[] = [];
  for (const to of recipients) {
    const link =
      kind === 'decided'
        ? null
        : await createDecisionLink(tx, { approvalId: f.approval.id, recipient: to.email, requestExpiresAt: f.execution.pauseExpiresAt, now });
    const mail = composeEmail(kind, f, to, now, link?.expiresAt ?? null);
    rows.push({ ...base, channel: 'email', recipient: to.email, subject: mail.subject, textBody: mail.text, htmlBody: mail.html, linkId: link?.id ?? null, linkToken: link?.token ?? null });
  }
  for (const url of await webhooksOf(tx, f)) {
    const id = crypto.randomUUID();
    const body = composeWebhook(kind, f, id, now);
    rows.push({ ...base, id, channel: 'webhook', recipient: url, subject: body.type, textBody: body.text, payload: body });
  }
  return rows;
}

async function enqueue(tx: DbOrTx, rows: NewNotification[]): Promise<NotificationStatusRow[]> {
  if (rows.length === 0) return [];
  const inserted = await tx.insert(notifications).values(rows).returning(NOTIFICATION_STATUS_COLUMNS);
  await wakeNotificationWorkers(tx);
  return inserted;
}

/** Delivered when the transaction commits: workers deliver at once and re-read their follow-up timers. */
export async function wakeNotificationWorkers(tx: DbOrTx): Promise<void> {
  await tx.execute(sql`select pg_notify(${NOTIFICATION_CHANNEL}, '')`);
}

/** Facts of one request, read in its transaction (for follow-ups and decisions). */
export async function loadRequestFacts(tx: DbOrTx, approvalId: string): Promise<RequestFacts | null> {
  const [row] = await tx
    .select({ a: approvalRequests, e: workflowExecutions, name: workflows.name, key: workflows.key })
    .from(approvalRequests)
    .innerJoin(workflowExecutions, eq(workflowExecutions.id, approvalRequests.executionId))
    .innerJoin(workflows, eq(workflows.id, workflowExecutions.workflowId))
    .where(eq(approvalRequests.id, approvalId));
  if (!row) return null;
  const decisions = await tx
    .select({ actor: approvalDecisions.actor, decision: approvalDecisions.decision, comment: approvalDecisions.comment, onBehalfOf: approvalDecisions.onBehalfOf })
    .from(approvalDecisions)
    .where(eq(approvalDecisions.approvalId, approvalId))
    .orderBy(asc(approvalDecisions.createdAt));
  return factsOf(row.a, row.e, { name: row.name, key: row.key }, decisions);
}

function factsOf(a: ApprovalRow, e: ExecutionRow, workflow: { name: string; key: string }, decisions: RequestFacts['decisions']): RequestFacts {
  return {
    approval: {
      id: a.id,
      stepId: a.stepId,
      reason: a.reason,
      status: a.status,
      requiredApprovals: a.requiredApprovals,
      approvalsReceived: a.approvalsReceived,
      approverRole: a.approverRole,
      assignedTo: a.assignedTo,
      escalatedTo: a.escalatedTo,
      createdAt: a.createdAt,
      decidedAt: a.decidedAt,
    },
    execution: {
      id: e.id,
      workflowId: e.workflowId,
      status: e.status,
      triggerPayload: e.triggerPayload,
      startedBy: e.startedBy,
      pausedBy: e.pausedBy,
      pauseExpiresAt: e.pauseExpiresAt,
    },
    workflow,
    decisions,
  };
}

/**
 * Called by the engine in the transaction that opens approval requests (commitChanges): the request
 * mails with a decision link each, and the webhooks.
 */
export async function notifyRequestsOpened(
  tx: DbOrTx,
  opened: { approval: typeof approvalRequests.$inferInsert; execution: ExecutionRow }[],
  now: Date,
): Promise<void> {
  const workflowIds = [...new Set(opened.map((o) => o.execution.workflowId))];
  const names = new Map(
    (await tx.select({ id: workflows.id, name: workflows.name, key: workflows.key }).from(workflows).where(inArray(workflows.id, workflowIds))).map((w) => [w.id, w]),
  );
  const rows: NewNotification[] = [];
  for (const { approval, execution } of opened) {
    const wf = names.get(execution.workflowId) ?? { name: 'workflow', key: '' };
    const a = {
      id: approval.id!,
      executionId: execution.id,
      stepId: approval.stepId,
      reason: approval.reason,
      status: 'pending',
      requiredApprovals: approval.requiredApprovals ?? 1,
      approvalsReceived: 0,
      approverRole: approval.approverRole ?? null,
      assignedTo: approval.assignedTo ?? [],
      escalatedTo: [],
      createdAt: approval.createdAt ?? now,
      decidedAt: null,
    } as unknown as ApprovalRow;
    const f = factsOf(a, execution, wf, []);
    rows.push(...(await buildMessages(tx, 'requested', f, await recipientsOf(tx, f, now), now)));
  }
  await enqueue(tx, rows);
  // A request with a follow-up timer: workers re-read when the next one is due.
  if (rows.length === 0 && opened.some((o) => o.approval.followUpAt)) await wakeNotificationWorkers(tx);
}

/** Messages of `kind` to the given people (a new delegate told of the requests waiting for the person they stand in for). */
export async function notifyPeople(tx: DbOrTx, kind: NotificationKind, f: RequestFacts, recipients: Recipient[], now: Date): Promise<number> {
  const rows = (await buildMessages(tx, kind, f, recipients, now)).filter((r) => r.channel === 'email');
  await enqueue(tx, rows);
  return rows.length;
}

/** A reminder (to those who have not voted) or an escalation (to the people it added), from the worker. */
export async function notifyFollowUp(tx: DbOrTx, kind: 'reminder' | 'escalated', f: RequestFacts, now: Date, only?: ReadonlySet<string>): Promise<number> {
  const voted = new Set(f.decisions.flatMap((d) => [d.actor, ...(d.onBehalfOf ? [d.onBehalfOf] : [])]));
  let recipients = (await recipientsOf(tx, f, now, voted)).filter((r) => !(r.onBehalfOf && voted.has(r.onBehalfOf)));
  if (only) recipients = recipients.filter((r) => only.has(r.email) || (r.onBehalfOf !== null && only.has(r.onBehalfOf)));
  const rows = await buildMessages(tx, kind, f, recipients, now);
  await enqueue(tx, rows);
  return rows.length;
}

/** What a request's messages so far say about telling its outcome: who was mailed (users), and whether a webhook was told. */
export type MessagesSoFar = { asked: { email: string; name: string }[]; webhookTold: boolean };

/**
 * Called in the transaction that makes a request final (decided or expired): the webhooks, and a
 * short "no action needed" mail to everyone who was asked and did not vote. `known`: the request's
 * messages so far, when the caller read them with the request (the decide path); otherwise one query
 * (two without a mail sent) finds them. Nothing more when nobody was mailed and no webhook is
 * configured. Returns the messages written.
 */
export async function notifyDecided(tx: DbOrTx, approvalId: string, now: Date, known?: MessagesSoFar): Promise<NotificationStatusRow[]> {
  const asked =
    known?.asked ??
    (await tx
      .selectDistinct({ email: notifications.recipient, name: users.name })
      .from(notifications)
      .innerJoin(users, eq(users.email, notifications.recipient))
      .where(and(eq(notifications.approvalId, approvalId), eq(notifications.channel, 'email'))));
  if (asked.length === 0 && !env().WEBHOOK_URL && !(known ? known.webhookTold : await hasStepWebhooks(tx, approvalId))) return [];
  const f = await loadRequestFacts(tx, approvalId);
  if (!f) return [];
  const voted = new Set(f.decisions.flatMap((d) => [d.actor, ...(d.onBehalfOf ? [d.onBehalfOf] : [])]));
  const recipients = asked.filter((r) => !voted.has(r.email)).map((r) => ({ email: r.email, name: r.name, onBehalfOf: null }));
  return enqueue(tx, await buildMessages(tx, 'decided', f, recipients, now));
}

/** Whether any message of this request went to a webhook (the step's own, or one configured earlier). */
async function hasStepWebhooks(tx: DbOrTx, approvalId: string): Promise<boolean> {
  const [hit] = await tx
    .select({ id: notifications.id })
    .from(notifications)
    .where(and(eq(notifications.approvalId, approvalId), eq(notifications.channel, 'webhook')))
    .limit(1);
  return !!hit;
}
