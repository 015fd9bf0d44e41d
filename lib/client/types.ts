/**
 * The shapes the console reads from /api/v1 (snake_case, as the API sends them): inferred from the
 * response schemas the API documents and is tested against (lib/core, next to each DTO mapper), so
 * the console cannot read a field the API does not send. Type-only imports: nothing of the server
 * reaches the browser bundle.
 */
import type { MeDto } from '../core/access/me';
import type { Permission } from '../core/access/permissions';
import type { ApprovalDecisionDto, ApprovalDto, ApprovalRequestDto } from '../core/approvals/approval-dto';
import type { Step } from '../core/engine/definition';
import type { ApprovalStatus, Decision, ExecutionStatus, PauseKind } from '../core/engine/state-machine';
import type { ExecutionDetailDto, ExecutionDto, ExecutionEventDto, ExecutionEventPageDto, ExecutionListDto, ExecutionListItemDto } from '../core/executions/execution-dto';
import type { OpsSummary } from '../core/ops/get-ops-summary';
import type { PausedExecutionDto, PausedListDto } from '../core/resumer/paused-execution-dto';
import type { WorkflowDto, WorkflowListDto } from '../core/workflows/workflow-dto';

export type { ApprovalDto, ApprovalStatus, Decision, ExecutionStatus, OpsSummary, PauseKind, Permission };

export type Me = MeDto;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };
export type JsonObject = Record<string, unknown>;

export type DecisionDto = ApprovalDecisionDto;
export type PausedExecution = PausedExecutionDto;
export type InboxApproval = NonNullable<PausedExecution['approval']>;
export type PausedPage = PausedListDto;

export type Execution = ExecutionDto;
export type ExecutionEvent = ExecutionEventDto;
export type ExecutionApproval = ApprovalRequestDto;
export type ExecutionDetail = ExecutionDetailDto;
export type ExecutionPage = ExecutionListDto;

export type Workflow = WorkflowDto;
export type WorkflowStep = Step;
export type WorkflowList = WorkflowListDto;
export type ExecutionEventPage = ExecutionEventPageDto;
/** A list item carries no context (get the execution for it). */
export type ExecutionListItem = ExecutionListItemDto;
