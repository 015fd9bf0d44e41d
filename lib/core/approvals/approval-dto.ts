import { asc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { approvalDecisions, approvalRequests, workflowExecutions, workflows, type ApprovalDecisionRow, type ApprovalRow } from '../../db/schema';
import { notificationsByApproval } from '../notifications/notification-dto';

export const approvalSelection = {
  a: approvalRequests,
  workflowId: workflows.id,
  workflowName: workflows.name,
  execution: {
    status: workflowExecutions.status,
    startedBy: workflowExecutions.startedBy,
    pausedBy: workflowExecutions.pausedBy,
    triggerPayload: workflowExecutions.triggerPayload,
    resumeCount: workflowExecutions.resumeCount,
    pausedAt: workflowExecutions.pausedAt,
  },
};

type Joined = {
  a: ApprovalRow;
  workflowId: string;
  workflowName: string;
  execution: { status: string; startedBy: string; pausedBy: string | null; triggerPayload: unknown; resumeCount: number; pausedAt: Date | null };
};

/**
 * Approval DTOs with their decisions (one extra query for the whole page, not one per row — none
 * when the caller already holds the decisions, oldest first).
 */
export async function toApprovalDtos(db: DbOrTx, rows: Joined[], now = new Date(), preloaded?: ApprovalDecisionRow[]) {
  const ids = rows.map((r) => r.a.id);
  const decisions =
    preloaded ??
    (ids.length ? await db.select().from(approvalDecisions).where(inArray(approvalDecisions.approvalId, ids)).orderBy(asc(approvalDecisions.createdAt)) : []);
  const sent = await notificationsByApproval(db, ids);
  return rows.map(({ a, workflowId, workflowName, execution }) => ({
    id: a.id,
    execution_id: a.executionId,
    workflow_id: workflowId,
    workflow_name: workflowName,
    step_id: a.stepId,
    reason: a.reason,
    status: a.status,
    required_approvals: a.requiredApprovals,
    approvals_received: a.approvalsReceived,
    approver_role: a.approverRole,
    assigned_to: [...a.assignedTo, ...a.escalatedTo.filter((p) => !a.assignedTo.includes(p))],
    escalated_to: a.escalatedTo,
    escalated_at: a.escalatedAt?.toISOString() ?? null,
    reminders_sent: a.remindersSent,
    created_at: a.createdAt.toISOString(),
    decided_at: a.decidedAt?.toISOString() ?? null,
    age_seconds: Math.max(0, Math.floor((now.getTime() - a.createdAt.getTime()) / 1000)),
    decisions: decisions
      .filter((d) => d.approvalId === a.id)
      .map((d) => ({ actor: d.actor, decision: d.decision, comment: d.comment, on_behalf_of: d.onBehalfOf, created_at: d.createdAt.toISOString() })),
    notifications: sent.get(a.id) ?? [],
    execution: {
      status: execution.status,
      started_by: execution.startedBy,
      paused_by: execution.pausedBy,
      trigger_payload: execution.triggerPayload,
      resume_count: execution.resumeCount,
    },
  }));
}

export type ApprovalDto = Awaited<ReturnType<typeof toApprovalDtos>>[number];

export function approvalQuery(db: DbOrTx) {
  return db
    .select(approvalSelection)
    .from(approvalRequests)
    .innerJoin(workflowExecutions, eq(workflowExecutions.id, approvalRequests.executionId))
    .innerJoin(workflows, eq(workflows.id, workflowExecutions.workflowId));
}
