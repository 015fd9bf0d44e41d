/**
 * Execution statuses and the transitions allowed between them — the one place that says so.
 * Every write that changes a status goes through `assertTransition` and a compare-and-set in SQL.
 */
export const EXECUTION_STATUSES = ['running', 'paused', 'completed', 'failed', 'cancelled', 'rejected', 'expired'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const TERMINAL_STATUSES: readonly ExecutionStatus[] = ['completed', 'failed', 'cancelled', 'rejected', 'expired'];

const TRANSITIONS: Record<ExecutionStatus, readonly ExecutionStatus[]> = {
  // running: steps run, or a wait step sleeps (still running, with a wake-up time)
  running: ['paused', 'completed', 'failed', 'cancelled', 'rejected'],
  // paused: resumed, cancelled, or ended by its timeout (expired / failed / rejected by on_timeout)
  paused: ['running', 'cancelled', 'expired', 'failed', 'rejected'],
  completed: [],
  failed: [],
  cancelled: [],
  rejected: [],
  expired: [],
};

export function isExecutionStatus(s: string): s is ExecutionStatus {
  return (EXECUTION_STATUSES as readonly string[]).includes(s);
}

export function canTransition(from: string, to: ExecutionStatus): boolean {
  return isExecutionStatus(from) && TRANSITIONS[from].includes(to);
}

export function isTerminal(status: string): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** What a pause waits for: manual (an API or console pause), approval, or callback (a pause step). */
export const PAUSE_KINDS = ['manual', 'approval', 'callback'] as const;
export type PauseKind = (typeof PAUSE_KINDS)[number];

/** A person's vote on an approval request. */
export const DECISIONS = ['approve', 'reject'] as const;
export type Decision = (typeof DECISIONS)[number];
