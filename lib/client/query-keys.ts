/** The TanStack Query keys of the console's data: one place, shared by the hooks and the live updates. */
import type { ExecutionFilter, OutboxFilter, PausedFilter } from './hooks';

export const queryKeys = {
  me: ['me'] as const,
  paused: (f: PausedFilter) => ['paused', f] as const,
  pausedAll: ['paused'] as const,
  executions: (f: ExecutionFilter) => ['executions', f] as const,
  executionsAll: ['executions'] as const,
  execution: (id: string) => ['execution', id] as const,
  workflows: ['workflows'] as const,
  workflow: (idOrKey: string) => ['workflow', idOrKey] as const,
  ops: ['ops'] as const,
  /** GET /approvals: `for` the pending requests I may decide now, `decided` those I voted on. */
  myApprovals: (view: 'for' | 'decided') => ['approvals', view] as const,
  approvalsAll: ['approvals'] as const,
  delegation: ['delegation'] as const,
  outbox: (f: OutboxFilter) => ['outbox', f] as const,
};
