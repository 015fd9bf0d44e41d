/**
 * Zod schemas of the API's responses, next to the route table's input schemas: the OpenAPI document
 * is generated from both, and e2e/api/openapi.test.ts checks real responses against these.
 * Objects are strict, so a field added to a DTO without documenting it fails that test.
 */
import { z } from 'zod';
import { PERMISSIONS, ROLES } from '../../core/access/permissions';
import { ZCondition, ZDefinition } from '../../core/engine/definition';
import { APPROVAL_STATUSES, EXECUTION_STATUSES } from '../../core/engine/state-machine';
import { ERROR_CODES } from '../../core/errors';

const Timestamp = z.iso.datetime().meta({ description: 'ISO 8601 timestamp, UTC' });
const Id = z.uuid();
const JsonObject = z.record(z.string(), z.unknown());
const Cursor = z.string().nullable().meta({ description: 'Pass as `cursor` to get the next page; null on the last page' });

export const ZConditionDoc = ZCondition;
export const ZWorkflowDefinitionDoc = ZDefinition;

export const ZErrorBody = z
  .strictObject({
    error: z.strictObject({
      code: z.enum(ERROR_CODES),
      message: z.string().meta({ description: 'Safe to show; never contains internals' }),
      details: z
        .array(z.strictObject({ path: z.string(), message: z.string() }))
        .optional()
        .meta({ description: 'Only on 422 validation_failed: one entry per invalid field' }),
    }),
  })
  .meta({ description: 'The one error body of every route' });

export const ZWorkflow = z.strictObject({
  id: Id,
  key: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  version: z.number().int(),
  enabled: z.boolean(),
  definition: ZDefinition,
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const ZWorkflowList = z.strictObject({ workflows: z.array(ZWorkflow), count: z.number().int() });

const PauseKind = z.enum(['manual', 'approval', 'callback']);

export const ZExecution = z.strictObject({
  id: Id,
  workflow_id: Id,
  workflow_name: z.string().optional().meta({ description: 'Present on start, get, list and resume' }),
  workflow_key: z.string().optional().meta({ description: 'Present on start, get, list and resume' }),
  status: z.enum(EXECUTION_STATUSES),
  trigger_payload: JsonObject,
  context: JsonObject,
  current_step_id: z.string().nullable(),
  sleeping_until: Timestamp.nullable().meta({ description: 'Set while a wait step sleeps' }),
  started_at: Timestamp,
  started_by: z.string(),
  completed_at: Timestamp.nullable(),
  error: z.string().nullable(),
  paused_at: Timestamp.nullable(),
  paused_reason: z.string().nullable(),
  paused_step_id: z.string().nullable(),
  next_step_id: z.string().nullable(),
  pause_kind: PauseKind.nullable(),
  paused_by: z.string().nullable(),
  pause_expires_at: Timestamp.nullable(),
  resume_data: JsonObject.nullable(),
  resume_count: z.number().int(),
  last_resumed_at: Timestamp.nullable(),
  version: z.number().int().meta({ description: 'Bumped by every state change (compare-and-set)' }),
});

export const ZExecutionEvent = z.strictObject({
  id: z.number().int(),
  type: z.string().meta({
    description:
      'started, step_completed, waiting, paused, approval_requested, approved, rejected, resumed, completed, failed, cancelled, expired',
  }),
  step_id: z.string().nullable(),
  actor: z.string(),
  data: JsonObject.nullable(),
  created_at: Timestamp,
});

export const ZApprovalDecision = z.strictObject({
  actor: z.string(),
  decision: z.enum(['approve', 'reject']),
  comment: z.string().nullable(),
  created_at: Timestamp,
});

export const ZExecutionDetail = ZExecution.extend({
  events: z.array(ZExecutionEvent).meta({ description: 'The timeline, oldest first' }),
  approvals: z.array(
    z.strictObject({
      id: Id,
      step_id: z.string(),
      status: z.enum(APPROVAL_STATUSES),
      reason: z.string(),
      required_approvals: z.number().int(),
      approvals_received: z.number().int(),
      approver_role: z.enum(ROLES).nullable(),
      created_at: Timestamp,
      decided_at: Timestamp.nullable(),
      decisions: z.array(ZApprovalDecision),
    }),
  ),
});

export const ZExecutionList = z.strictObject({
  executions: z.array(ZExecution),
  count: z.number().int(),
  total: z.number().int().describe('How many match the filters across all pages; exact when total_exact, else a lower bound (10,000)'),
  total_exact: z.boolean(),
  next_cursor: Cursor,
});

export const ZPausedExecution = z.strictObject({
  id: Id,
  workflow_id: Id,
  workflow_name: z.string(),
  status: z.literal('paused'),
  paused_at: Timestamp,
  paused_reason: z.string().nullable(),
  paused_step_id: z.string().nullable(),
  next_step_id: z.string().nullable(),
  resume_count: z.number().int(),
  age_seconds: z.number().int().min(0),
  pause_kind: PauseKind.nullable(),
  paused_by: z.string().nullable(),
  started_by: z.string(),
  trigger_payload: JsonObject,
  pause_expires_at: Timestamp.nullable(),
  decided_at: Timestamp.nullable().meta({ description: 'Set once the approval is decided; a worker resumes it within a second' }),
  approval: z
    .strictObject({
      id: Id,
      status: z.enum(APPROVAL_STATUSES),
      approvals_received: z.number().int(),
      required_approvals: z.number().int(),
      approver_role: z.enum(ROLES).nullable(),
      decisions: z.array(ZApprovalDecision),
    })
    .nullable(),
});

export const ZPausedList = z.strictObject({
  executions: z.array(ZPausedExecution),
  count: z.number().int(),
  total: z.number().int().meta({ description: 'All paused executions matching the filters' }),
  next_cursor: Cursor,
});

export const ZApproval = z.strictObject({
  id: Id,
  execution_id: Id,
  workflow_id: Id,
  workflow_name: z.string(),
  step_id: z.string(),
  reason: z.string(),
  status: z.enum(APPROVAL_STATUSES),
  required_approvals: z.number().int(),
  approvals_received: z.number().int(),
  approver_role: z.enum(ROLES).nullable(),
  created_at: Timestamp,
  decided_at: Timestamp.nullable(),
  age_seconds: z.number().int().min(0),
  decisions: z.array(ZApprovalDecision),
  execution: z.strictObject({
    status: z.enum(EXECUTION_STATUSES),
    started_by: z.string(),
    paused_by: z.string().nullable(),
    trigger_payload: JsonObject,
    resume_count: z.number().int(),
  }),
});

export const ZApprovalList = z.strictObject({ approvals: z.array(ZApproval), count: z.number().int(), next_cursor: Cursor });

export const ZMe = z.strictObject({
  id: z.string(),
  kind: z.enum(['user', 'token', 'system']),
  name: z.string(),
  role: z.enum(ROLES).nullable(),
  permissions: z.array(z.enum(PERMISSIONS)),
});

const Worker = z.strictObject({
  worker_id: z.string(),
  hostname: z.string(),
  pid: z.number().int(),
  started_at: Timestamp,
  last_cycle_at: Timestamp.nullable(),
  seconds_since_last_cycle: z.number().int().nullable(),
  last_cycle_ms: z.number().int().nullable(),
  interval_ms: z.number().int(),
  resumed: z.number().int(),
  skipped: z.number().int(),
  errors: z.number().int(),
  totals: z.record(z.string(), z.number()).nullable(),
  stale: z.boolean(),
});

export const ZOpsSummary = z.strictObject({
  generated_at: Timestamp,
  executions: z.strictObject({ total: z.number().int(), by_status: z.record(z.enum(EXECUTION_STATUSES), z.number().int()) }),
  paused: z.strictObject({
    count: z.number().int(),
    oldest_age_seconds: z.number().int().nullable(),
    over_24h: z.number().int(),
    oldest_execution_id: Id.nullable(),
    age_histogram: z.array(z.strictObject({ label: z.string(), min_seconds: z.number(), max_seconds: z.number().nullable(), count: z.number().int() })),
  }),
  approvals: z.strictObject({
    pending: z.number().int(),
    oldest_pending_at: Timestamp.nullable(),
    decisions_last_24h: z.strictObject({
      approve: z.number().int(),
      reject: z.number().int(),
      per_hour: z.array(z.strictObject({ hours_ago: z.number().int(), hour_start: Timestamp, approve: z.number().int(), reject: z.number().int() })),
    }),
    median_decision_seconds_24h: z.number().int().nullable(),
  }),
  workers: z.strictObject({ status: z.enum(['ok', 'stale', 'none']), list: z.array(Worker) }),
  by_workflow: z.array(
    z.strictObject({
      workflow_id: Id,
      workflow_key: z.string(),
      workflow_name: z.string(),
      paused: z.number().int(),
      oldest_paused_at: Timestamp.nullable(),
      oldest_execution_id: Id.nullable(),
      approved_24h: z.number().int(),
      rejected_24h: z.number().int().describe('Rejections by people in the last 24 h, whichever branch the workflow then took (on_reject or ending as rejected)'),
      median_decision_seconds: z.number().int().nullable(),
    }),
  ),
  expiring_soon: z.strictObject({
    count: z.number().int(),
    items: z.array(
      z.strictObject({
        execution_id: Id,
        workflow_key: z.string(),
        workflow_name: z.string(),
        step_id: z.string().nullable(),
        pause_kind: z.string().nullable(),
        paused_reason: z.string().nullable(),
        pause_expires_at: Timestamp,
        at_deadline: z.strictObject({ next: z.string().nullable(), ends: z.enum(['completed', 'rejected', 'expired', 'failed']).nullable(), text: z.string() }),
      }),
    ),
  }),
  failures: z.strictObject({
    failed_executions_24h: z.number().int(),
    workers_with_errors: z.number().int(),
    items: z.array(
      z.discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('execution_failed'), at: Timestamp, title: z.string(), detail: z.string().nullable(), execution_id: Id, workflow_key: z.string() }),
        z.strictObject({ kind: z.literal('worker_errors'), at: Timestamp, title: z.string(), detail: z.string().nullable(), worker_id: z.string() }),
      ]),
    ),
  }),
});

export const ZHealth = z.strictObject({ status: z.literal('ok') });
export const ZHealthDown = z.strictObject({ status: z.literal('unavailable'), error: ZErrorBody.shape.error });

export const ZReady = z.strictObject({
  status: z.literal('ready'),
  checks: z.strictObject({ database: z.literal('ok'), migrations: z.literal('ok') }),
});
export const ZNotReady = z.strictObject({
  status: z.literal('not_ready'),
  checks: z.strictObject({ database: z.enum(['ok', 'unreachable']), migrations: z.enum(['ok', 'pending', 'unknown']) }),
  error: ZErrorBody.shape.error,
});

/** Named schemas: each becomes #/components/schemas/<name> in the document. */
export const RESPONSE_COMPONENTS = {
  Error: ZErrorBody,
  Workflow: ZWorkflow,
  WorkflowList: ZWorkflowList,
  Execution: ZExecution,
  ExecutionEvent: ZExecutionEvent,
  ExecutionDetail: ZExecutionDetail,
  ExecutionList: ZExecutionList,
  PausedExecution: ZPausedExecution,
  PausedExecutionList: ZPausedList,
  ApprovalDecision: ZApprovalDecision,
  Approval: ZApproval,
  ApprovalList: ZApprovalList,
  Me: ZMe,
  OpsSummary: ZOpsSummary,
  Health: ZHealth,
  HealthDown: ZHealthDown,
  Ready: ZReady,
  NotReady: ZNotReady,
  WorkflowDefinition: ZDefinition,
  Condition: ZCondition,
} as const satisfies Record<string, z.ZodType>;

export type ComponentName = keyof typeof RESPONSE_COMPONENTS;
