import { z } from 'zod';
import type { ExecutionEventRow, ExecutionRow } from '../../db/schema';
import { ZApprovalRequest } from '../approvals/approval-dto';
import { iso, ZId, ZJsonObject, ZTimestamp } from '../dto';
import { EXECUTION_STATUSES, PAUSE_KINDS } from '../engine/state-machine';
import { ZNextCursor } from '../pagination';

export const ZExecution = z.strictObject({
  id: ZId,
  workflow_id: ZId,
  workflow_name: z.string().optional().meta({ description: 'Present on start, get, list and resume' }),
  workflow_key: z.string().optional().meta({ description: 'Present on start, get, list and resume' }),
  status: z.enum(EXECUTION_STATUSES),
  trigger_payload: ZJsonObject,
  context: ZJsonObject,
  current_step_id: z.string().nullable(),
  sleeping_until: ZTimestamp.nullable().meta({ description: 'Set while a wait step sleeps' }),
  started_at: ZTimestamp,
  started_by: z.string(),
  completed_at: ZTimestamp.nullable(),
  error: z.string().nullable(),
  paused_at: ZTimestamp.nullable(),
  paused_reason: z.string().nullable(),
  paused_step_id: z.string().nullable(),
  next_step_id: z.string().nullable(),
  pause_kind: z.enum(PAUSE_KINDS).nullable(),
  paused_by: z.string().nullable(),
  pause_expires_at: ZTimestamp.nullable(),
  callback_key: z.string().nullable().meta({ description: 'While paused at a pause step with `callback_key`: the key POST /callbacks/{key} resumes it by' }),
  resume_data: ZJsonObject.nullable(),
  resume_count: z.number().int(),
  last_resumed_at: ZTimestamp.nullable(),
  version: z.number().int().meta({ description: 'Bumped by every state change (compare-and-set)' }),
});
export type ExecutionDto = z.infer<typeof ZExecution>;

export const ZExecutionEvent = z.strictObject({
  id: z.number().int(),
  type: z.string().meta({
    description:
      'started, step_completed, waiting, paused, approval_requested, payload_edited, approved, rejected, resumed, completed, failed, cancelled, expired, extended, reopened, callback_consumed',
  }),
  step_id: z.string().nullable(),
  actor: z.string(),
  data: ZJsonObject.nullable(),
  created_at: ZTimestamp,
});
export type ExecutionEventDto = z.infer<typeof ZExecutionEvent>;

export const ZExecutionDetail = ZExecution.extend({
  events: z.array(ZExecutionEvent).meta({ description: 'The newest events of the timeline (up to 50), oldest first' }),
  events_next_cursor: ZNextCursor.meta({ description: 'Pass as `cursor` to GET /executions/{id}/events for the older events; null when there are none' }),
  approvals: z.array(ZApprovalRequest),
});
export type ExecutionDetailDto = z.infer<typeof ZExecutionDetail>;

export const ZExecutionEventPage = z.strictObject({ events: z.array(ZExecutionEvent), count: z.number().int(), next_cursor: ZNextCursor });
export type ExecutionEventPageDto = z.infer<typeof ZExecutionEventPage>;

/** A list item carries no context (up to MAX_CONTEXT_BYTES each): get the execution for it. */
export const ZExecutionListItem = ZExecution.omit({ context: true });
export type ExecutionListItemDto = z.infer<typeof ZExecutionListItem>;

export const ZExecutionList = z.strictObject({
  executions: z.array(ZExecutionListItem),
  count: z.number().int(),
  total: z.number().int().meta({ description: 'How many match the filters across all pages; exact when total_exact, else a lower bound (10,000)' }),
  total_exact: z.boolean(),
  next_cursor: ZNextCursor,
});
export type ExecutionListDto = z.infer<typeof ZExecutionList>;

export function toExecutionDto(e: ExecutionRow, extra: { workflowName?: string; workflowKey?: string } = {}) {
  return {
    id: e.id,
    workflow_id: e.workflowId,
    ...(extra.workflowName !== undefined ? { workflow_name: extra.workflowName } : {}),
    ...(extra.workflowKey !== undefined ? { workflow_key: extra.workflowKey } : {}),
    status: e.status,
    trigger_payload: e.triggerPayload,
    context: e.context,
    current_step_id: e.currentStepId,
    sleeping_until: iso(e.waitingUntil),
    started_at: e.startedAt.toISOString(),
    started_by: e.startedBy,
    completed_at: iso(e.completedAt),
    error: e.error,
    paused_at: iso(e.pausedAt),
    paused_reason: e.pausedReason,
    paused_step_id: e.pausedStepId,
    next_step_id: e.nextStepId,
    pause_kind: e.pauseKind,
    paused_by: e.pausedBy,
    pause_expires_at: iso(e.pauseExpiresAt),
    callback_key: e.callbackKey ?? null,
    resume_data: e.resumeData,
    resume_count: e.resumeCount,
    last_resumed_at: iso(e.lastResumedAt),
    version: e.version,
  } satisfies ExecutionDto;
}

/** A list item: the execution without its context (up to MAX_CONTEXT_BYTES each; get one execution for it). */
export function toExecutionListItem(e: ExecutionRow, extra: { workflowName?: string; workflowKey?: string } = {}) {
  const { context: _context, ...item } = toExecutionDto(e, extra);
  return item satisfies ExecutionListItemDto;
}

export function toEventDto(ev: ExecutionEventRow) {
  return {
    id: ev.id,
    type: ev.type,
    step_id: ev.stepId,
    actor: ev.actor,
    data: ev.data,
    created_at: ev.createdAt.toISOString(),
  } satisfies ExecutionEventDto;
}
