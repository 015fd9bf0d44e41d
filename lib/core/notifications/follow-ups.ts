/**
 * Reminders and escalation: the worker claims pending requests whose follow-up time has come, and in
 * one transaction per batch sends what is due — a reminder to each asked person who has not voted,
 * or the escalation (people added as assignees, notified, an `escalated` event) — then sets the next
 * follow-up time.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client';
import { approvalRequests, users, type ApprovalRow } from '../../db/schema';
import type { Logger } from '../../log';
import { SYSTEM_ACTOR } from '../access/permissions';
import { followUpsOf, nextFollowUpMs } from '../engine/execute-step';
import { appendEvents } from '../engine/commit-changes';
import { loadDefinition } from '../engine/workflow-definitions';
import { loadRequestFacts, notifyFollowUp } from './outbox';

/**
 * Locks as a decision does — the execution first, then the request — so a follow-up and a decision
 * on the same request take turns instead of deadlocking; SKIP LOCKED on the execution lets workers
 * split the due requests.
 */
const CLAIM_SQL = sql`select a.id as approval_id
  from approval_requests a join workflow_executions e on e.id = a.execution_id
 where a.status = 'pending' and a.follow_up_at is not null and a.follow_up_at <= `;

async function followUpOne(tx: Tx, a: ApprovalRow, workflowId: string, now: Date): Promise<{ reminded: number; escalated: boolean }> {
  const def = await loadDefinition(tx, workflowId);
  const step = def.byId.get(a.stepId);
  const { remindMs, escalateMs } = followUpsOf(step);
  const elapsed = now.getTime() - a.createdAt.getTime();
  let escalatedTo = a.escalatedTo;
  let escalatedAt = a.escalatedAt;
  let escalated = false;
  let reminded = 0;

  if (step?.type === 'approval' && step.escalate_to && escalateMs !== null && !a.escalatedAt && elapsed >= escalateMs) {
    const target = step.escalate_to;
    const people =
      'users' in target
        ? target.users
        : (await tx.select({ email: users.email }).from(users).where(eq(users.role, target.role)).orderBy(users.email).limit(200)).map((u) => u.email);
    const added = people.filter((p) => !a.assignedTo.includes(p) && !a.escalatedTo.includes(p));
    escalatedTo = [...a.escalatedTo, ...added];
    escalatedAt = now;
    escalated = true;
    await tx
      .update(approvalRequests)
      .set({ escalatedTo, escalatedAt, version: sql`${approvalRequests.version} + 1` })
      .where(eq(approvalRequests.id, a.id));
    await appendEvents(tx, [{ executionId: a.executionId, type: 'escalated', actor: SYSTEM_ACTOR.id, stepId: a.stepId, data: { approval_id: a.id, added, escalate_to: target, after_seconds: Math.round(escalateMs / 1000) }, createdAt: now }]);
    const facts = await loadRequestFacts(tx, a.id);
    if (facts && added.length) await notifyFollowUp(tx, 'escalated', facts, now, new Set(added));
  }

  // Reminders whose time has passed: one message covers them all (a worker that was down does not
  // send three reminders at once).
  let sent = a.remindersSent;
  while (remindMs[sent] !== undefined && elapsed >= remindMs[sent]!) sent++;
  if (sent > a.remindersSent) {
    const facts = await loadRequestFacts(tx, a.id);
    // Just escalated people got their own message this minute; the reminder is for the rest.
    const justAdded = escalated ? new Set(escalatedTo.filter((p) => !a.escalatedTo.includes(p))) : new Set<string>();
    const messages = facts ? await notifyFollowUp(tx, 'reminder', { ...facts, approval: { ...facts.approval, escalatedTo: escalatedTo.filter((p) => !justAdded.has(p)) } }, now) : 0;
    reminded = sent - a.remindersSent;
    await appendEvents(tx, [{ executionId: a.executionId, type: 'reminder_sent', actor: SYSTEM_ACTOR.id, stepId: a.stepId, data: { approval_id: a.id, reminder: sent, messages }, createdAt: now }]);
  }

  const nextMs = nextFollowUpMs(step, sent, escalatedAt !== null);
  await tx
    .update(approvalRequests)
    .set({ remindersSent: sent, followUpAt: nextMs === null ? null : new Date(a.createdAt.getTime() + nextMs) })
    .where(eq(approvalRequests.id, a.id));
  return { reminded, escalated };
}

export type FollowUpCounts = { claimed: number; reminded: number; escalated: number; errors: number };

export async function sendDueFollowUps(db: Db, opts: { batchSize: number; now: () => Date; log: Logger }): Promise<FollowUpCounts> {
  const now = opts.now();
  const counts: FollowUpCounts = { claimed: 0, reminded: 0, escalated: 0, errors: 0 };
  await db.transaction(async (tx) => {
    const due = await tx.execute<{ approval_id: string }>(
      sql`${CLAIM_SQL}${now.toISOString()}::timestamptz order by a.follow_up_at limit ${opts.batchSize} for update of e skip locked`,
    );
    const ids = due.rows.map((r) => r.approval_id);
    counts.claimed = ids.length;
    if (ids.length === 0) return;
    const rows = await tx
      .select({ a: approvalRequests, workflowId: sql<string>`(select workflow_id from workflow_executions where id = ${approvalRequests.executionId})` })
      .from(approvalRequests)
      .where(and(inArray(approvalRequests.id, ids), eq(approvalRequests.status, 'pending')))
      .for('update');
    for (const { a, workflowId } of rows) {
      try {
        // A savepoint each: one bad request is logged and skipped, the rest of the batch goes on.
        const r = await tx.transaction((sp) => followUpOne(sp, a, workflowId, now));
        counts.reminded += r.reminded;
        if (r.escalated) counts.escalated++;
      } catch (e) {
        counts.errors++;
        opts.log.error({ approval_id: a.id, err: (e as Error).message }, 'Failed to send a reminder or escalation');
        // Try again later rather than at once, in a loop.
        await tx.update(approvalRequests).set({ followUpAt: new Date(now.getTime() + 60_000) }).where(eq(approvalRequests.id, a.id));
      }
    }
  });
  return counts;
}
