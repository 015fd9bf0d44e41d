import { randomUUID } from 'node:crypto';
import type { DbOrTx } from '../../db/client';
import type { approvalRequests, executionEvents, ExecutionRow, workflowExecutions } from '../../db/schema';
import { env } from '../../env';
import type { JsonObject } from './execute-step';
import { assertReopen, assertTransition, type ExecutionStatus } from './state-machine';
import { commitChanges, type CommitOptions } from './commit-changes';

export type ExecutionPatch = Partial<typeof workflowExecutions.$inferInsert>;
export type ExecutionEvent = typeof executionEvents.$inferInsert;

/** Until when a process that runs an execution holds it: past this a worker takes it over. */
export function leaseUntil(now: Date): Date {
  return new Date(now.getTime() + env().EXECUTION_LEASE);
}

/** The pause columns of an execution that is no longer paused. */
export const CLEARED_PAUSE = {
  pausedAt: null,
  pausedReason: null,
  pausedStepId: null,
  nextStepId: null,
  pauseKind: null,
  pausedBy: null,
  pauseExpiresAt: null,
  decidedAt: null,
  pauseWarnedAt: null,
  callbackKey: null,
} satisfies ExecutionPatch;

/**
 * Every state change of an execution — start, steps, pause step, resume, decision, cancel, expiry,
 * wake-up — is made on one of these and written by `commit` / commitChanges (engine/commit-changes.ts):
 * the changes to one execution read in this transaction, gathered in memory and written at the end with
 * a compare-and-set on the version read. Every status change is checked against the state machine as
 * it is made (assertTransition), so paused → running → completed is allowed while paused → completed
 * is not. The one transition not made here is the manual pause (commitManualPause): one statement
 * that reads nothing first.
 */
export class ExecutionChange {
  readonly original: ExecutionRow;
  /** A new execution, not yet in the database: commitChanges INSERTs it (with its events) instead of updating. */
  readonly isNew: boolean;
  private row: ExecutionRow;
  private patched = false;
  /** @internal read and emptied by commitChanges */
  events: ExecutionEvent[] = [];
  /** @internal read and emptied by commitChanges */
  approvals: (typeof approvalRequests.$inferInsert)[] = [];

  constructor(row: ExecutionRow, opts: { isNew?: boolean } = {}) {
    this.original = row;
    this.row = row;
    this.isNew = opts.isNew ?? false;
  }

  /** The execution as it will be once written. */
  get current(): ExecutionRow {
    return this.row;
  }

  get changed(): boolean {
    return this.patched;
  }

  set(patch: ExecutionPatch, refusal?: string): void {
    if (patch.status) assertTransition(this.row.status, patch.status as ExecutionStatus, refusal);
    this.patched = true;
    this.row = { ...this.row, ...patch } as ExecutionRow;
  }

  /** Pauses an execution that ended at an approval request again (the state machine's assertReopen); the caller records the events. */
  reopen(patch: ExecutionPatch, refusal?: string): void {
    assertReopen(this.row.status, refusal);
    this.patched = true;
    this.row = { ...this.row, ...patch, status: 'paused', completedAt: null, error: null, wakeAt: null, waitingUntil: null } as ExecutionRow;
  }

  /** Ends the execution with `status` (no wake-up, no sleep); the caller records the event. */
  end(status: 'completed' | 'failed' | 'cancelled' | 'rejected' | 'expired', now: Date, patch: ExecutionPatch = {}, refusal?: string): void {
    this.set({ ...patch, status, completedAt: now, wakeAt: null, waitingUntil: null }, refusal);
  }

  event(type: string, actor: string, stepId: string | null, data: JsonObject | null, now: Date): void {
    this.events.push({ executionId: this.original.id, type, actor, stepId, data, createdAt: now });
  }

  /** An approval request to open; its id is known at once (events refer to it). */
  approval(values: Omit<typeof approvalRequests.$inferInsert, 'id' | 'executionId'>): string {
    const id = randomUUID();
    this.approvals.push({ ...values, id, executionId: this.original.id });
    return id;
  }

  /** Writes this change (commitChanges); returns the execution as written. */
  async commit(db: DbOrTx, now: Date, opts: CommitOptions = {}): Promise<ExecutionRow> {
    return (await commitChanges(db, [this], now, opts))[0]!;
  }
}
