import { AppError } from '../errors';

/**
 * Execution statuses and the transitions allowed between them — the one place that says so.
 * Every write that changes a status goes through `assertTransition` (called by ExecutionChange.set,
 * engine/execution-change.ts) and a compare-and-set in SQL (engine/commit-changes.ts).
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

/**
 * Throws 409 `conflict` unless the state machine allows `from` → `to`. Staying running or paused is
 * allowed (a change of other columns); nothing leaves a terminal status, not even for itself.
 */
export function assertTransition(from: string, to: ExecutionStatus, message?: string): void {
  const stays = from === to && !(TERMINAL_STATUSES as readonly string[]).includes(from);
  if (!stays && !canTransition(from, to)) throw new AppError('conflict', message ?? `cannot move an execution from ${from} to ${to}`);
}

/**
 * The one way back from an ended status: reopening an approval request that expired or was rejected
 * (approvals/reopen-approval.ts) pauses its execution at that request again. Only the statuses such a
 * request can leave an execution in qualify; the caller checks that nothing ran after the request.
 */
export const REOPENABLE_STATUSES: readonly ExecutionStatus[] = ['rejected', 'expired', 'failed'];

export function assertReopen(from: string, message?: string): void {
  if (!(REOPENABLE_STATUSES as readonly string[]).includes(from)) throw new AppError('conflict', message ?? `cannot reopen an execution that is ${from}`);
}

/** The statuses an execution may move to `to` from: what a statement that changes the status without reading the row first (the manual pause) must require in its WHERE clause. */
export function sourcesOf(to: ExecutionStatus): ExecutionStatus[] {
  return EXECUTION_STATUSES.filter((from) => TRANSITIONS[from].includes(to));
}

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** What a pause waits for: manual (an API or console pause), approval, or callback (a pause step). */
export const PAUSE_KINDS = ['manual', 'approval', 'callback'] as const;
export type PauseKind = (typeof PAUSE_KINDS)[number];

/** A person's vote on an approval request. */
export const DECISIONS = ['approve', 'reject'] as const;
export type Decision = (typeof DECISIONS)[number];
