import { z } from 'zod';
import { ZApprovalRequest } from '../approvals/approval-dto';
import { ZId, ZJsonObject, ZTimestamp } from '../dto';
import { PAUSE_KINDS } from '../engine/state-machine';
import { ZNextCursor } from '../pagination';

/** One row of the paused list (the inbox): the execution's pause and, for an approval pause, its request. */
export const ZPausedExecution = z.strictObject({
  id: ZId,
  workflow_id: ZId,
  workflow_name: z.string(),
  status: z.literal('paused'),
  paused_at: ZTimestamp,
  paused_reason: z.string().nullable(),
  paused_step_id: z.string().nullable(),
  next_step_id: z.string().nullable(),
  resume_count: z.number().int(),
  age_seconds: z.number().int().min(0),
  pause_kind: z.enum(PAUSE_KINDS).nullable(),
  paused_by: z.string().nullable(),
  started_by: z.string(),
  trigger_payload: ZJsonObject,
  pause_expires_at: ZTimestamp.nullable(),
  decided_at: ZTimestamp.nullable().meta({ description: 'Set once the approval is decided; a worker resumes it within a second' }),
  approval: ZApprovalRequest.pick({ id: true, status: true, approvals_received: true, required_approvals: true, approver_role: true, decisions: true, payload_version: true, input_schema: true, editable: true }).nullable(),
});
export type PausedExecutionDto = z.infer<typeof ZPausedExecution>;

export const ZPausedList = z.strictObject({
  executions: z.array(ZPausedExecution),
  count: z.number().int(),
  total: z.number().int().meta({ description: 'All paused executions matching the filters' }),
  next_cursor: ZNextCursor,
});
export type PausedListDto = z.infer<typeof ZPausedList>;
