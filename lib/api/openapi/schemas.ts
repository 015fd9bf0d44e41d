/**
 * The named components of the OpenAPI document: each response schema (defined once, in lib/core next
 * to its DTO mapper) under the name it gets in #/components/schemas. A route's `response` must be one
 * of them (the document generator refuses an unnamed one), so shared shapes stay shared in clients.
 */
import { z } from 'zod';
import { ZMe } from '../../core/access/me';
import { ZApproval, ZApprovalDecision, ZApprovalList, ZApprovalRequest } from '../../core/approvals/approval-dto';
import { ZDelegation } from '../../core/approvals/delegation';
import { ZCondition, ZDefinition } from '../../core/engine/definition';
import { ZDecisionLink } from '../../core/notifications/decision-links';
import { ZNotification, ZNotificationList } from '../../core/notifications/notification-dto';
import { ZErrorBody } from '../../core/errors';
import { ZExecution, ZExecutionDetail, ZExecutionEvent, ZExecutionEventPage, ZExecutionList, ZExecutionListItem } from '../../core/executions/execution-dto';
import { ZOpsSummary } from '../../core/ops/get-ops-summary';
import { ZCallback, ZCallbackList, ZHeldCallback } from '../../core/callbacks/callback-dto';
import { ZPausedExecution, ZPausedList } from '../../core/resumer/paused-execution-dto';
import { ZWorkflow, ZWorkflowList } from '../../core/workflows/workflow-dto';

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
export const COMPONENTS = {
  Error: ZErrorBody,
  Workflow: ZWorkflow,
  WorkflowList: ZWorkflowList,
  WorkflowDefinition: ZDefinition,
  Condition: ZCondition,
  Execution: ZExecution,
  ExecutionEvent: ZExecutionEvent,
  ExecutionDetail: ZExecutionDetail,
  ExecutionList: ZExecutionList,
  ExecutionListItem: ZExecutionListItem,
  ExecutionEventPage: ZExecutionEventPage,
  PausedExecution: ZPausedExecution,
  PausedExecutionList: ZPausedList,
  ApprovalDecision: ZApprovalDecision,
  ApprovalRequest: ZApprovalRequest,
  Approval: ZApproval,
  ApprovalList: ZApprovalList,
  Me: ZMe,
  Delegation: ZDelegation,
  Notification: ZNotification,
  NotificationList: ZNotificationList,
  DecisionLink: ZDecisionLink,
  OpsSummary: ZOpsSummary,
  Callback: ZCallback,
  HeldCallback: ZHeldCallback,
  CallbackList: ZCallbackList,
  Health: ZHealth,
  HealthDown: ZHealthDown,
  Ready: ZReady,
  NotReady: ZNotReady,
} as const satisfies Record<string, z.ZodType>;
