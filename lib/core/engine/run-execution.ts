import { randomUUID } from 'node:crypto';
import { and, eq, getTableColumns, getTableName } from 'drizzle-orm';
import { queryNamed, type Db, type DbOrTx, type Tx } from '../../db/client';
import { approvalRequests, executionEvents, workflowExecutions, type ExecutionRow } from '../../db/schema';
import { env } from '../../env';
import { AppError } from '../errors';
import { contextOverLimit } from './context-limit';
import type { CompiledDefinition, Step } from './definition';
import { executeStep, type JsonObject, type StepOutcome } from './execute-step';
import { canTransition, type ExecutionStatus } from './state-machine';
import { loadDefinition } from './workflow-definitions';
import { notifyRequestsOpened } from '../notifications/outbox';
import { payloadHash } from '../approvals/payload-version';

export type RunOptions = {
  /** Recorded on events; the request's actor or the worker. */
  actor: string;
  now?: () => Date;
  /** Safety valve for definitions that loop: past this the worker continues the execution later. */
  maxSteps?: number;
  /**
   * Called after each step's transaction commits (tests use it to kill the process between steps).
   * When given, every step commits in a transaction of its own.
   */
  onStepCommitted?: (stepId: string) => void | Promise<void>;
};

export type ExecutionPatch = Partial<typeof workflowExecutions.$inferInsert>;

/**
 * Steps run back to back in one transaction, up to this many. Steps have no effects outside the
 * database, so a run of them commits together: a crash before the commit leaves the execution at the
 * step it had reached (nothing of the run happened), after it at the next one — never in between.
 * The bound keeps a looping definition from holding the row lock for long.
 */
export const STEPS_PER_TRANSACTION = 50;

/** Compare-and-set on the version: fails with 409 when somebody else changed the row first. */
export async function casUpdateExecution(tx: Tx, row: ExecutionRow, patch: ExecutionPatch, now: Date): Promise<ExecutionRow> {
  if (patch.status && patch.status !== row.status && !canTransition(row.status, patch.status as ExecutionStatus)) {
    throw new AppError('conflict', `cannot move an execution from ${row.status} to ${patch.status}`);
  }
  return writeExecution(tx, row, patch, now);
}

async function writeExecution(tx: Tx, row: ExecutionRow, patch: ExecutionPatch, now: Date): Promise<ExecutionRow> {
  const [updated] = await tx
    .update(workflowExecutions)
    .set({ ...patch, version: row.version + 1, updatedAt: now })
    .where(and(eq(workflowExecutions.id, row.id), eq(workflowExecutions.version, row.version)))
    .returning();
  if (!updated) throw new AppError('conflict', 'the execution was changed by another request; retry');
  return updated;
}

export async function recordEvent(
  tx: Tx,
  executionId: string,
  type: string,
  actor: string,
  stepId: string | null,
  data: JsonObject | null,
  now: Date,
): Promise<void> {
  await tx.insert(executionEvents).values({ executionId, type, actor, stepId, data, createdAt: now });
}

export function leaseUntil(now: Date): Date {
  return new Date(now.getTime() + env().EXECUTION_LEASE);
}

const CLEARED_PAUSE = {
  pausedAt: null,
  pausedReason: null,
  pausedStepId: null,
  nextStepId: null,
  pauseKind: null,
  pausedBy: null,
  pauseExpiresAt: null,
  decidedAt: null,
  pauseWarnedAt: null,
} satisfies ExecutionPatch;

export { CLEARED_PAUSE };

/**
 * The changes one transaction makes to one locked execution, gathered in memory and written at the
 * end (see commitChanges). Every status change is checked against the state machine as it is made,
 * so a paused → running → completed sequence is allowed while a paused → completed jump is not.
 */
export class ExecutionChange {
  readonly original: ExecutionRow;
  private row: ExecutionRow;
  private patched = false;
  /** @internal read by commitChanges */
  events: (typeof executionEvents.$inferInsert)[] = [];
  /** @internal read by commitChanges */
  approvals: (typeof approvalRequests.$inferInsert)[] = [];

  constructor(row: ExecutionRow) {
    this.original = row;
    this.row = row;
  }

  /** The execution as it will be once written. */
  get current(): ExecutionRow {
    return this.row;
  }

  get changed(): boolean {
    return this.patched;
  }

  set(patch: ExecutionPatch): void {
    if (patch.status && patch.status !== this.row.status && !canTransition(this.row.status, patch.status as ExecutionStatus)) {
      throw new AppError('conflict', `cannot move an execution from ${this.row.status} to ${patch.status}`);
    }
    this.patched = true;
    this.row = { ...this.row, ...patch } as ExecutionRow;
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

  async commit(tx: Tx, now: Date): Promise<ExecutionRow> {
    return (await commitChanges(tx, [this], now))[0]!;
  }
}

// The columns a change may write, with the PostgreSQL array type they travel in.
const WRITTEN = (
  [
    ['status', 'text[]'],
    ['context', 'jsonb[]'],
    ['currentStepId', 'text[]'],
    ['wakeAt', 'timestamptz[]'],
    ['waitingUntil', 'timestamptz[]'],
    ['completedAt', 'timestamptz[]'],
    ['error', 'text[]'],
    ['pausedAt', 'timestamptz[]'],
    ['pausedReason', 'text[]'],
    ['pausedStepId', 'text[]'],
    ['nextStepId', 'text[]'],
    ['resumeData', 'jsonb[]'],
    ['resumeCount', 'int[]'],
    ['lastResumedAt', 'timestamptz[]'],
    ['pauseKind', 'text[]'],
    ['pausedBy', 'text[]'],
    ['pauseExpiresAt', 'timestamptz[]'],
    ['decidedAt', 'timestamptz[]'],
    ['pauseWarnedAt', 'timestamptz[]'],
    ['stepsRun', 'int[]'],
  ] as const
).map(([key, arrayType]) => ({ key, arrayType, name: getTableColumns(workflowExecutions)[key].name }));

function toParam(value: unknown, arrayType: string): unknown {
  if (value === null || value === undefined) return null;
  if (arrayType === 'jsonb[]') return JSON.stringify(value);
  if (value instanceof Date) return value.toISOString();
  return value;
}


const UPDATE_TEXT = `update ${getTableName(workflowExecutions)} as e
   set ${WRITTEN.map((c) => `${c.name} = v.${c.name}`).join(', ')}, version = e.version + 1, updated_at = $1
  from unnest($2::uuid[], $3::int[], ${WRITTEN.map((c, i) => `$${i + 4}::${c.arrayType}`).join(', ')})
       as v(id, version, ${WRITTEN.map((c) => c.name).join(', ')})
 where e.id = v.id and e.version = v.version
returning e.id`;

const EVENTS_TEXT = `insert into ${getTableName(executionEvents)} (execution_id, type, step_id, actor, data, created_at)
select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[])`;

// The events of the rows the compare-and-set actually updated, in the order given: without a
// surrounding transaction (commitSingleStatement) a lost race must leave no events behind.
const UPDATE_WITH_EVENTS_TEXT = `with updated as (${UPDATE_TEXT}), events as (
insert into ${getTableName(executionEvents)} (execution_id, type, step_id, actor, data, created_at)
select ev.execution_id, ev.type, ev.step_id, ev.actor, ev.data, ev.created_at
  from unnest(${['uuid', 'text', 'text', 'text', 'jsonb', 'timestamptz'].map((t, i) => `$${i + 4 + WRITTEN.length}::${t}[]`).join(', ')})
       with ordinality as ev(execution_id, type, step_id, actor, data, created_at, n)
 where ev.execution_id in (select id from updated)
 order by ev.n)
select id from updated`;

/**
 * Writes changes to locked executions — one or a whole batch — in a fixed number of statements: one
 * compare-and-set UPDATE for every changed row (each row's version must still be the one read, and
 * goes up by one), one INSERT for the approval requests opened, one for the timeline events
 * (folded into the UPDATE's statement when there is one). Returns each execution as written.
 */
export async function commitChanges(tx: Tx, changes: readonly ExecutionChange[], now: Date): Promise<ExecutionRow[]> {
  return writeChanges(tx, changes, now);
}

/**
 * Writes one change that opens no approval request outside any transaction: it is then a single
 * statement (the compare-and-set UPDATE with the events), atomic on its own. Throws 409 `conflict`
 * when the row's version moved since it was read.
 */
export async function commitSingleStatement(db: Db, change: ExecutionChange, now: Date): Promise<ExecutionRow> {
  if (change.approvals.length > 0) throw new Error('a change that opens approval requests needs a transaction (commitChanges)');
  if (!change.changed) throw new Error('nothing to commit');
  return (await writeChanges(db, [change], now))[0]!;
}

async function writeChanges(tx: DbOrTx, changes: readonly ExecutionChange[], now: Date): Promise<ExecutionRow[]> {
  const patched = changes.filter((c) => c.changed);
  // Approval requests first: nothing below refers to them, and the CAS failing rolls them back too.
  // Their notifications (the outbox) are written with them, in the same transaction.
  const approvals = changes.flatMap((c) => c.approvals);
  if (approvals.length > 0) {
    await tx.insert(approvalRequests).values(approvals);
    await notifyRequestsOpened(tx, changes.flatMap((c) => c.approvals.map((a) => ({ approval: a, execution: c.current }))), now);
  }
  const events = changes.flatMap((c) => c.events);
  const eventValues = [
    events.map((e) => e.executionId),
    events.map((e) => e.type),
    events.map((e) => e.stepId ?? null),
    events.map((e) => e.actor),
    events.map((e) => toParam(e.data, 'jsonb[]')),
    events.map((e) => toParam(e.createdAt, 'timestamptz[]')),
  ];
  if (patched.length > 0) {
    const values: unknown[] = [now.toISOString(), patched.map((c) => c.original.id), patched.map((c) => c.original.version)];
    for (const col of WRITTEN) values.push(patched.map((c) => toParam(c.current[col.key], col.arrayType)));
    // The rows and their events in one statement (one round trip); a failed compare-and-set throws
    // below and the transaction rolls the events back with everything else.
    const rows =
      events.length > 0
        ? await queryNamed(tx, 'wr_commit_update_events', UPDATE_WITH_EVENTS_TEXT, [...values, ...eventValues])
        : await queryNamed(tx, 'wr_commit_update', UPDATE_TEXT, values);
    if (rows.length !== patched.length) throw new AppError('conflict', 'the execution was changed by another request; retry');
  } else if (events.length > 0) {
    await queryNamed(tx, 'wr_commit_events', EVENTS_TEXT, eventValues);
  }
  return changes.map((c) => {
    const row = c.changed ? ({ ...c.current, version: c.original.version + 1, updatedAt: now } as ExecutionRow) : c.original;
    c.events = [];
    c.approvals = [];
    return row;
  });
}

function finish(change: ExecutionChange, status: 'completed' | 'failed' | 'rejected', actor: string, now: Date, extra: ExecutionPatch = {}): void {
  const stepId = change.current.currentStepId;
  change.set({ ...extra, status, completedAt: now, wakeAt: null, waitingUntil: null });
  change.event(status, actor, stepId, status === 'failed' ? { error: extra.error ?? null } : null, now);
}

/**
 * What a set step that would take the context past MAX_CONTEXT_BYTES does: `refuse` — throw 422
 * context_too_large, so the request that ran it (a start, a resume) writes nothing; `fail` — end the
 * execution as failed with that reason (the worker, or a request's later transactions, where there is
 * nobody left to refuse).
 */
export type OversizeContext = 'refuse' | 'fail';

/** Turns a step's outcome into the execution's next state. */
function applyOutcome(change: ExecutionChange, step: Step, outcome: StepOutcome, actor: string, now: Date, oversize: OversizeContext): void {
  const context = change.current.context as JsonObject;
  if ((outcome.kind === 'advance' || outcome.kind === 'complete') && outcome.context) {
    const over = contextOverLimit(outcome.context, `step ${step.id}`);
    if (over && oversize === 'refuse') throw new AppError('context_too_large', over);
    if (over) return finish(change, 'failed', actor, now, { error: `context_too_large: ${over}` });
  }
  switch (outcome.kind) {
    case 'advance': {
      change.event('step_completed', actor, step.id, { type: step.type, ...outcome.eventData }, now);
      const patch: ExecutionPatch = { context: outcome.context ?? context, currentStepId: outcome.next };
      if (outcome.next === null) return finish(change, 'completed', actor, now, patch);
      return change.set({ ...patch, wakeAt: leaseUntil(now) });
    }
    case 'complete':
      change.event('step_completed', actor, step.id, { type: step.type, ...outcome.eventData }, now);
      return finish(change, 'completed', actor, now, { context: outcome.context ?? context });
    case 'fail':
      return finish(change, 'failed', actor, now, { error: outcome.reason });
    case 'sleep':
      change.event('waiting', actor, step.id, { until: outcome.until.toISOString() }, now);
      return change.set({ waitingUntil: outcome.until, wakeAt: outcome.until });
    case 'pause': {
      const maxMs = outcome.timeoutMs ?? env().PAUSE_MAX_DURATION;
      change.set({
        status: 'paused',
        wakeAt: null,
        pausedAt: now,
        pausedReason: outcome.reason,
        pausedStepId: step.id,
        nextStepId: outcome.nextStepId,
        pauseKind: outcome.pauseKind,
        pausedBy: actor,
        pauseExpiresAt: new Date(now.getTime() + maxMs),
        decidedAt: null,
        pauseWarnedAt: null,
        resumeData: null,
      });
      change.event('paused', actor, step.id, { reason: outcome.reason, kind: outcome.pauseKind }, now);
      if (outcome.approval) {
        const approvalId = change.approval({
          stepId: step.id,
          reason: outcome.approval.reason,
          requiredApprovals: outcome.approval.requiredApprovals,
          approverRole: outcome.approval.approverRole,
          assignedTo: outcome.approval.assignees,
          followUpAt: outcome.approval.firstFollowUpMs === null ? null : new Date(now.getTime() + outcome.approval.firstFollowUpMs),
          createdAt: now,
          // What the approver is shown, version 1 (lib/core/approvals/payload-version.ts).
          payloadHash: payloadHash(context),
          inputSchema: outcome.approval.inputSchema ?? null,
          editable: outcome.approval.editable ?? [],
        });
        change.event(
          'approval_requested',
          actor,
          step.id,
          {
            approval_id: approvalId,
            required_approvals: outcome.approval.requiredApprovals,
            approver_role: outcome.approval.approverRole,
            payload_version: 1,
            payload_hash: payloadHash(context),
            ...(outcome.approval.assignees.length ? { assigned_to: outcome.approval.assignees } : {}),
          },
          now,
        );
      }
      return;
    }
  }
}

/** Whether a running execution can go on now (not ended, not paused, not sleeping). */
function canGoOn(row: ExecutionRow, now: Date): boolean {
  return row.status === 'running' && !(row.waitingUntil !== null && row.waitingUntil > now);
}

/**
 * Runs up to `maxSteps` steps of an execution whose row lock the caller holds, in memory: the caller
 * commits `change`. Stops when the execution completes, fails, pauses or sleeps. Returns the steps
 * that ran and whether the execution is done for now (false: it hit `maxSteps` and can go on).
 * Every step counts toward the execution's budget (MAX_STEPS_PER_EXECUTION, over all its runs):
 * once spent, the execution fails with that reason instead of running another step.
 */
export function runSteps(
  change: ExecutionChange,
  def: CompiledDefinition,
  actor: string,
  now: Date,
  maxSteps: number,
  opts: { oversizeContext?: OversizeContext } = {},
): { ran: string[]; done: boolean } {
  const ran: string[] = [];
  const budget = env().MAX_STEPS_PER_EXECUTION;
  /** Counts the step about to run; false (and the execution failed) when the budget is spent. */
  const withinBudget = (row: ExecutionRow) => {
    if (row.stepsRun >= budget) {
      finish(change, 'failed', actor, now, { error: `step budget exhausted: ${row.stepsRun} steps run, the limit is ${budget} (MAX_STEPS_PER_EXECUTION)` });
      return false;
    }
    change.set({ stepsRun: row.stepsRun + 1 });
    return true;
  };
  while (ran.length < maxSteps) {
    const row = change.current;
    if (row.status !== 'running') return { ran, done: true };
    if (row.waitingUntil) {
      if (row.waitingUntil > now) return { ran, done: true }; // still sleeping
      if (!withinBudget(row)) return { ran, done: true };
      // The wait is over: the wait step completes now and the execution moves past it.
      const waitStep = row.currentStepId ? def.byId.get(row.currentStepId) : undefined;
      const next = waitStep && waitStep.type === 'wait' ? (waitStep.next ?? null) : null;
      change.event('step_completed', actor, row.currentStepId, { type: 'wait' }, now);
      const patch: ExecutionPatch = { waitingUntil: null, currentStepId: next };
      if (next === null) finish(change, 'completed', actor, now, patch);
      else change.set({ ...patch, wakeAt: leaseUntil(now) });
      if (row.currentStepId) ran.push(row.currentStepId);
      continue;
    }
    if (row.currentStepId === null) {
      finish(change, 'completed', actor, now);
      return { ran, done: true };
    }
    const step = def.byId.get(row.currentStepId);
    if (!step) {
      finish(change, 'failed', actor, now, { error: `unknown step ${row.currentStepId}` });
      return { ran, done: true };
    }
    if (!withinBudget(row)) return { ran, done: true };
    applyOutcome(change, step, executeStep(step, row.context as JsonObject, now), actor, now, opts.oversizeContext ?? 'fail');
    ran.push(step.id);
  }
  return { ran, done: !canGoOn(change.current, now) };
}

type BatchResult = { row: ExecutionRow; ran: string[]; done: boolean };

/** One transaction holding the execution's row lock: up to `maxSteps` steps, committed together. */
async function runBatch(db: Db, executionId: string, actor: string, now: Date, maxSteps: number): Promise<BatchResult> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(workflowExecutions).where(eq(workflowExecutions.id, executionId)).for('update');
    if (!row) throw new AppError('not_found', 'execution not found');
    if (!canGoOn(row, now)) return { row, ran: [], done: true };
    const def: CompiledDefinition = await loadDefinition(tx, row.workflowId);
    const change = new ExecutionChange(row);
    const { ran, done } = runSteps(change, def, actor, now, maxSteps);
    return { row: await change.commit(tx, now), ran, done };
  });
}

/**
 * Runs an execution until it completes, fails, pauses or sleeps. Each step's effect and the pointer
 * to the next step commit together (runs of steps share a transaction, see STEPS_PER_TRANSACTION);
 * a concurrent pause wins at the next transaction boundary because every transaction re-reads the
 * row under its lock.
 */
export async function runExecution(db: Db, executionId: string, opts: RunOptions): Promise<ExecutionRow> {
  const clock = opts.now ?? (() => new Date());
  const maxSteps = opts.maxSteps ?? 1000;
  const perTransaction = opts.onStepCommitted ? 1 : STEPS_PER_TRANSACTION;
  let total = 0;
  for (;;) {
    if (total >= maxSteps) {
      // Hand the rest to the worker instead of holding this request forever.
      return db.transaction(async (tx) => {
        const [row] = await tx.select().from(workflowExecutions).where(eq(workflowExecutions.id, executionId)).for('update');
        if (!row) throw new AppError('not_found', 'execution not found');
        if (row.status !== 'running') return row;
        return casUpdateExecution(tx, row, { wakeAt: clock() }, clock());
      });
    }
    const res = await runBatch(db, executionId, opts.actor, clock(), Math.min(perTransaction, maxSteps - total));
    total += res.ran.length;
    if (opts.onStepCommitted) for (const stepId of res.ran) await opts.onStepCommitted(stepId);
    if (res.done) return res.row;
  }
}
