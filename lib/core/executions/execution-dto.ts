import type { ExecutionEventRow, ExecutionRow } from '../../db/schema';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

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
    resume_data: e.resumeData,
    resume_count: e.resumeCount,
    last_resumed_at: iso(e.lastResumedAt),
    version: e.version,
  };
}

export type ExecutionDto = ReturnType<typeof toExecutionDto>;

/** A list item: the execution without its context (up to MAX_CONTEXT_BYTES each; get one execution for it). */
export function toExecutionListItem(e: ExecutionRow, extra: { workflowName?: string; workflowKey?: string } = {}) {
  const { context: _context, ...item } = toExecutionDto(e, extra);
  return item;
}

export function toEventDto(ev: ExecutionEventRow) {
  return {
    id: ev.id,
    type: ev.type,
    step_id: ev.stepId,
    actor: ev.actor,
    data: ev.data,
    created_at: ev.createdAt.toISOString(),
  };
}
