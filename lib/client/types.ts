/** The shapes the console reads from /api/v1 (snake_case, as the API sends them). */
import type { OpsSummary } from '../core/ops/get-ops-summary';

export type { OpsSummary };

export type Permission =
  | 'workflow:read'
  | 'workflow:write'
  | 'execution:create'
  | 'execution:read'
  | 'execution:cancel'
  | 'approval:read'
  | 'approval:decide'
  | 'notification:read';

export type Me = { id: string; kind: 'user' | 'token' | 'system' | 'link'; name: string; role: string | null; permissions: Permission[] };

export type ExecutionStatus = 'running' | 'paused' | 'completed' | 'failed' | 'cancelled' | 'rejected' | 'expired';
export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired';
export type PauseKind = 'manual' | 'approval' | 'callback';
export type Decision = 'approve' | 'reject';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };
export type JsonObject = { [k: string]: JsonValue };

export type DecisionDto = { actor: string; decision: Decision; comment: string | null; on_behalf_of?: string | null; created_at: string };

export type NotificationDto = {
  id: string;
  channel: 'email' | 'webhook';
  recipient: string;
  kind: 'requested' | 'reminder' | 'escalated' | 'decided';
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  last_error: string | null;
  sent_at: string | null;
  delivered_via: 'smtp' | 'outbox' | 'webhook' | null;
  next_attempt_at: string | null;
  created_at: string;
};

/** Who is asked, and what they were told: on every approval the API returns. */
export type ApprovalAssignment = { assigned_to: string[]; escalated_to: string[]; reminders_sent: number; notifications: NotificationDto[] };

export type InboxApproval = {
  id: string;
  status: ApprovalStatus;
  approvals_received: number;
  required_approvals: number;
  approver_role: string | null;
  decisions: DecisionDto[];
};

export type PausedExecution = {
  id: string;
  workflow_id: string;
  workflow_name: string;
  status: ExecutionStatus;
  paused_at: string;
  paused_reason: string | null;
  paused_step_id: string | null;
  next_step_id: string | null;
  resume_count: number;
  age_seconds: number;
  pause_kind: PauseKind | null;
  paused_by: string | null;
  started_by: string;
  trigger_payload: JsonObject;
  pause_expires_at: string | null;
  /** Set once an approval's outcome is final; the worker resumes the execution shortly after. */
  decided_at?: string | null;
  approval: InboxApproval | null;
};

export type PausedPage = { executions: PausedExecution[]; count: number; total: number; next_cursor: string | null };

export type ApprovalDto = {
  id: string;
  execution_id: string;
  workflow_id: string;
  workflow_name: string;
  step_id: string;
  reason: string;
  status: ApprovalStatus;
  required_approvals: number;
  approvals_received: number;
  approver_role: string | null;
  created_at: string;
  decided_at: string | null;
  age_seconds: number;
  decisions: DecisionDto[];
  execution: { status: ExecutionStatus; started_by: string; paused_by: string | null; trigger_payload: JsonObject; resume_count: number };
} & ApprovalAssignment & { escalated_at: string | null };

export type ApprovalPage = { approvals: ApprovalDto[]; count: number; next_cursor: string | null };

export type Delegation = { delegation: { to: string; until: string; created_at: string } | null; delegated_to_me: { from: string; until: string }[] };

export type OutboxItem = NotificationDto & { approval_id: string; execution_id: string; subject: string; text: string; html: string | null; payload: unknown };
export type OutboxPage = { notifications: OutboxItem[]; count: number; next_cursor: string | null };

export type DecisionLinkView = {
  state: 'open' | 'decided' | 'expired' | 'used' | 'reassigned';
  message: string;
  recipient: string;
  on_behalf_of: string | null;
  expires_at: string;
  csrf_token: string | null;
  approval: {
    id: string;
    status: ApprovalStatus;
    workflow_name: string;
    reason: string;
    step_id: string;
    required_approvals: number;
    approvals_received: number;
    created_at: string;
    decided_at: string | null;
    deadline: string | null;
    started_by: string;
    payload: JsonObject;
    decisions: DecisionDto[];
  };
};

export type Execution = {
  id: string;
  workflow_id: string;
  workflow_name?: string;
  workflow_key?: string;
  status: ExecutionStatus;
  trigger_payload: JsonObject;
  context: JsonObject;
  current_step_id: string | null;
  sleeping_until: string | null;
  started_at: string;
  started_by: string;
  completed_at: string | null;
  error: string | null;
  paused_at: string | null;
  paused_reason: string | null;
  paused_step_id: string | null;
  next_step_id: string | null;
  pause_kind: PauseKind | null;
  paused_by: string | null;
  pause_expires_at: string | null;
  resume_data: JsonValue | null;
  resume_count: number;
  last_resumed_at: string | null;
  version: number;
};

export type ExecutionEvent = { id: number; type: string; step_id: string | null; actor: string; data: JsonObject | null; created_at: string };

export type ExecutionApproval = {
  id: string;
  step_id: string;
  status: ApprovalStatus;
  reason: string;
  required_approvals: number;
  approvals_received: number;
  approver_role: string | null;
  created_at: string;
  decided_at: string | null;
  decisions: DecisionDto[];
} & Partial<ApprovalAssignment>;

/** `events`: the newest 50, oldest first; `events_next_cursor` pages the older ones (ExecutionEventPage). */
export type ExecutionDetail = Execution & { events: ExecutionEvent[]; events_next_cursor: string | null; approvals: ExecutionApproval[] };

export type ExecutionEventPage = { events: ExecutionEvent[]; count: number; next_cursor: string | null };

/** A list item carries no context (get the execution for it). */
export type ExecutionListItem = Omit<Execution, 'context'>;

export type ExecutionPage = { executions: ExecutionListItem[]; count: number; next_cursor: string | null };

export type Workflow = {
  id: string;
  key: string;
  name: string;
  description: string | null;
  version: number;
  enabled: boolean;
  definition: { steps: WorkflowStep[] };
  created_at: string;
  updated_at: string;
};

export type WorkflowStep = { id: string; type: string; [k: string]: JsonValue | undefined };

export type WorkflowList = { workflows: Workflow[]; count: number };
