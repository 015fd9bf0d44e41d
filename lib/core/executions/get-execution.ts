import { asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { approvalDecisions, approvalRequests, executionEvents, workflowExecutions, workflows } from '../../db/schema';
import { AppError } from '../errors';
import { isUuid } from '../pagination';
import { notificationsByApproval } from '../notifications/notification-dto';
import { toEventDto, toExecutionDto } from './execution-dto';

export async function findExecutionRow(db: DbOrTx, id: string) {
  if (!isUuid(id)) throw new AppError('not_found', `execution ${id} not found`);
  const [row] = await db.select().from(workflowExecutions).where(eq(workflowExecutions.id, id));
  if (!row) throw new AppError('not_found', `execution ${id} not found`);
  return row;
}

/** One execution with its timeline and its approval requests. */
export async function getExecution(db: DbOrTx, id: string) {
  if (!isUuid(id)) throw new AppError('not_found', `execution ${id} not found`);
  const [found] = await db
    .select({ e: workflowExecutions, name: workflows.name, key: workflows.key })
    .from(workflowExecutions)
    .innerJoin(workflows, eq(workflows.id, workflowExecutions.workflowId))
    .where(eq(workflowExecutions.id, id));
  if (!found) throw new AppError('not_found', `execution ${id} not found`);
  const [events, approvals, decisions] = await Promise.all([
    db.select().from(executionEvents).where(eq(executionEvents.executionId, id)).orderBy(asc(executionEvents.id)),
    db.select().from(approvalRequests).where(eq(approvalRequests.executionId, id)).orderBy(asc(approvalRequests.createdAt)),
    db
      .select({ d: approvalDecisions })
      .from(approvalDecisions)
      .innerJoin(approvalRequests, eq(approvalRequests.id, approvalDecisions.approvalId))
      .where(eq(approvalRequests.executionId, id))
      .orderBy(asc(approvalDecisions.createdAt)),
  ]);
  const sent = await notificationsByApproval(db, approvals.map((a) => a.id));
  return {
    ...toExecutionDto(found.e, { workflowName: found.name, workflowKey: found.key }),
    events: events.map(toEventDto),
    approvals: approvals.map((a) => ({
      id: a.id,
      step_id: a.stepId,
      status: a.status,
      reason: a.reason,
      required_approvals: a.requiredApprovals,
      approvals_received: a.approvalsReceived,
      approver_role: a.approverRole,
      assigned_to: [...a.assignedTo, ...a.escalatedTo.filter((p) => !a.assignedTo.includes(p))],
      escalated_to: a.escalatedTo,
      reminders_sent: a.remindersSent,
      created_at: a.createdAt.toISOString(),
      decided_at: a.decidedAt ? a.decidedAt.toISOString() : null,
      decisions: decisions
        .filter((d) => d.d.approvalId === a.id)
        .map((d) => ({ actor: d.d.actor, decision: d.d.decision, comment: d.d.comment, on_behalf_of: d.d.onBehalfOf, created_at: d.d.createdAt.toISOString() })),
      notifications: sent.get(a.id) ?? [],
    })),
  };
}
