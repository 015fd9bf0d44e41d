import { asc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../db/client';
import {
  approvalDecisions,
  approvalRequests,
  workflowExecutions,
  workflows,
  type ApprovalDecisionRow,
  type ApprovalRow,
  type ExecutionRow,
  type NotificationStatusRow,
} from '../../db/schema';
import { groupByApproval, ZNotification, notificationsByApproval, type NotificationDto } from '../notifications/notification-dto';
import { ROLES } from '../access/permissions';
import { iso, ZId, ZJsonObject, ZTimestamp } from '../dto';
import { APPROVAL_STATUSES, DECISIONS, EXECUTION_STATUSES } from '../engine/state-machine';
import { ZNextCursor } from '../pagination';

export const ZApprovalDecision = z.strictObject({
  actor: z.string(),
  decision: z.enum(DECISIONS),
  comment: z.string().nullable(),
  on_behalf_of: z.string().nullable().optional().meta({ description: 'Set when a delegate decided for this person' }),
  created_at: ZTimestamp,
  payload_version: z.number().int().meta({ description: 'The payload version this vote was cast on' }),
  stale: z.boolean().meta({ description: 'Cast on an older payload version (an approver edited the payload since): kept, not counted toward the quorum' }),
  data: ZJsonObject.nullable().meta({ description: 'The decision’s input, as validated against the step’s input_schema' }),
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
  assigned_to: z.array(z.string()).meta({ description: 'People who may decide by name: the step’s assignees and anyone an escalation added' }),
  escalated_to: z.array(z.string()),
  reminders_sent: z.number().int(),
  notifications: z.array(ZNotification).meta({ description: 'Delivery status of every message about this request' }),
  payload_version: z.number().int().meta({ description: 'Version of the payload (the execution’s context) the approver is shown: 1, plus one per approve-with-edits. Send it with the decision' }),
  payload_hash: z.string().nullable().meta({ description: 'sha256 of the canonical JSON of that payload (keys sorted), as "sha256:<hex>"' }),
  input_schema: ZJsonObject.nullable().meta({ description: 'The step’s JSON Schema for the decision’s `data`; null: none' }),
  editable: z.array(z.string()).meta({ description: 'Payload fields an approver may change with approve-with-edits' }),
});
export type ApprovalRequestDto = z.infer<typeof ZApprovalRequest>;

/** An approval request with its workflow and execution: what /approvals answers. */
export const ZApproval = ZApprovalRequest.extend({
  execution_id: ZId,
  workflow_id: ZId,
  workflow_name: z.string(),
  escalated_at: ZTimestamp.nullable(),
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

export function toDecisionDto(d: ApprovalDecisionRow, currentPayloadVersion: number) {
  return {
    actor: d.actor,
    decision: d.decision,
    comment: d.comment,
    on_behalf_of: d.onBehalfOf,
    created_at: d.createdAt.toISOString(),
    payload_version: d.payloadVersion,
    stale: d.payloadVersion < currentPayloadVersion,
    data: d.data ?? null,
  } satisfies ApprovalDecisionDto;
}

/** The one mapping of an approval request; `decisions` may hold other requests' decisions too. */
export function toApprovalRequestDto(a: ApprovalRow, decisions: readonly ApprovalDecisionRow[], notifications: NotificationDto[]) {
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
    decisions: decisions.filter((d) => d.approvalId === a.id).map((d) => toDecisionDto(d, a.payloadVersion)),
    assigned_to: [...a.assignedTo, ...a.escalatedTo.filter((p) => !a.assignedTo.includes(p))],
    escalated_to: a.escalatedTo,
    reminders_sent: a.remindersSent,
    notifications,
    payload_version: a.payloadVersion,
    payload_hash: a.payloadHash,
    input_schema: a.inputSchema ?? null,
    editable: a.editable,
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
 * Approval DTOs with their decisions and messages (one extra query each for the whole page, not one
 * per row — none when the caller already holds them, oldest first).
 */
export async function toApprovalDtos(
  db: DbOrTx,
  rows: Joined[],
  now = new Date(),
  preloaded: { decisions?: ApprovalDecisionRow[]; notifications?: NotificationStatusRow[] } = {},
) {
  const ids = rows.map((r) => r.a.id);
  const decisions =
    preloaded.decisions ??
    (ids.length ? await db.select().from(approvalDecisions).where(inArray(approvalDecisions.approvalId, ids)).orderBy(asc(approvalDecisions.createdAt)) : []);
  const sent = preloaded.notifications ? groupByApproval(preloaded.notifications) : await notificationsByApproval(db, ids);
  return rows.map(({ a, workflowId, workflowName, execution }) => ({
    ...toApprovalRequestDto(a, decisions, sent.get(a.id) ?? []),
    execution_id: a.executionId,
    workflow_id: workflowId,
    workflow_name: workflowName,
    escalated_at: iso(a.escalatedAt),
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
