import { asc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../db/client';
import { approvalDecisions, approvalRequests, workflowExecutions, workflows, type ApprovalDecisionRow, type ApprovalRow, type ExecutionRow } from '../../db/schema';
import { ROLES } from '../access/permissions';
import { iso, ZId, ZJsonObject, ZTimestamp } from '../dto';
import { APPROVAL_STATUSES, DECISIONS, EXECUTION_STATUSES } from '../engine/state-machine';
import { ZNextCursor } from '../pagination';

export const ZApprovalDecision = z.strictObject({
  actor: z.string(),
  decision: z.enum(DECISIONS),
  comment: z.string().nullable(),
  created_at: ZTimestamp,
});
export type ApprovalDecisionDto = z.infer<typeof ZApprovalDecision>;

/** An approval request with its decisions so far, oldest first: as an execution's detail lists it. */
export const ZApprovalRequest = z.strictObject({
  id: ZId,
  step_id: z.string(),
  status: z.enum(APPROVAL_STATUSES),
  reason: z.string(),
  required_approvals: z.number().int(),
  approvals_received: z.number().int(),
  approver_role: z.enum(ROLES).nullable(),
  created_at: ZTimestamp,
  decided_at: ZTimestamp.nullable(),
  decisions: z.array(ZApprovalDecision),
});
export type ApprovalRequestDto = z.infer<typeof ZApprovalRequest>;

/** An approval request with its workflow and execution: what /approvals answers. */
export const ZApproval = ZApprovalRequest.extend({
  execution_id: ZId,
  workflow_id: ZId,
  workflow_name: z.string(),
  age_seconds: z.number().int().min(0),
  execution: z.strictObject({
    status: z.enum(EXECUTION_STATUSES),
    started_by: z.string(),
    paused_by: z.string().nullable(),
    trigger_payload: ZJsonObject,
    resume_count: z.number().int(),
  }),
});
export type ApprovalDto = z.infer<typeof ZApproval>;

export const ZApprovalList = z.strictObject({ approvals: z.array(ZApproval), count: z.number().int(), next_cursor: ZNextCursor });
export type ApprovalListDto = z.infer<typeof ZApprovalList>;

export function toDecisionDto(d: ApprovalDecisionRow) {
  return { actor: d.actor, decision: d.decision, comment: d.comment, created_at: d.createdAt.toISOString() } satisfies ApprovalDecisionDto;
}

/** The one mapping of an approval request; `decisions` may hold other requests' decisions too. */
export function toApprovalRequestDto(a: ApprovalRow, decisions: readonly ApprovalDecisionRow[]) {
  return {
    id: a.id,
    step_id: a.stepId,
    status: a.status,
    reason: a.reason,
    required_approvals: a.requiredApprovals,
    approvals_received: a.approvalsReceived,
    approver_role: a.approverRole,
    created_at: a.createdAt.toISOString(),
    decided_at: iso(a.decidedAt),
    decisions: decisions.filter((d) => d.approvalId === a.id).map(toDecisionDto),
  } satisfies ApprovalRequestDto;
}

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
  execution: Pick<ExecutionRow, 'status' | 'startedBy' | 'pausedBy' | 'triggerPayload' | 'resumeCount' | 'pausedAt'>;
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
  return rows.map(({ a, workflowId, workflowName, execution }) => ({
    ...toApprovalRequestDto(a, decisions),
    execution_id: a.executionId,
    workflow_id: workflowId,
    workflow_name: workflowName,
    age_seconds: Math.max(0, Math.floor((now.getTime() - a.createdAt.getTime()) / 1000)),
    execution: {
      status: execution.status,
      started_by: execution.startedBy,
      paused_by: execution.pausedBy,
      trigger_payload: execution.triggerPayload,
      resume_count: execution.resumeCount,
    },
  }) satisfies ApprovalDto);
}

export function approvalQuery(db: DbOrTx) {
  return db
    .select(approvalSelection)
    .from(approvalRequests)
    .innerJoin(workflowExecutions, eq(workflowExecutions.id, approvalRequests.executionId))
    .innerJoin(workflows, eq(workflows.id, workflowExecutions.workflowId));
}
