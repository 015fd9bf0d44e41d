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
  | 'approval:decide';

export type Me = { id: string; kind: 'user' | 'token' | 'system'; name: string; role: string | null; permissions: Permission[] };

export type ExecutionStatus = 'running' | 'paused' | 'completed' | 'failed' | 'cancelled' | 'rejected' | 'expired';
export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired';
export type PauseKind = 'manual' | 'approval' | 'callback';
export type Decision = 'approve' | 'reject';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };
export type JsonObject = { [k: string]: JsonValue };

export type DecisionDto = { actor: string; decision: Decision; comment: string | null; created_at: string };

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
};

export type ExecutionDetail = Execution & { events: ExecutionEvent[]; approvals: ExecutionApproval[] };

export type ExecutionPage = { executions: Execution[]; count: number; total: number; total_exact: boolean; next_cursor: string | null };

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
