import { and, eq } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client';
import { approvalRequests, executionEvents, workflowExecutions, type ExecutionRow } from '../../db/schema';
import { env } from '../../env';
import { AppError } from '../errors';
import type { CompiledDefinition, Step } from './definition';
import { executeStep, type JsonObject, type StepOutcome } from './execute-step';
import { canTransition, type ExecutionStatus } from './state-machine';
import { loadDefinition } from './workflow-definitions';

export type RunOptions = {
  /** Recorded on events; the request's actor or the worker. */
  actor: string;
  now?: () => Date;
  /** Safety valve for definitions that loop: past this the worker continues the execution later. */
  maxSteps?: number;
  /** Called after each step's transaction commits (tests use it to kill the process between steps). */
  onStepCommitted?: (stepId: string) => void | Promise<void>;
};

export type ExecutionPatch = Partial<typeof workflowExecutions.$inferInsert>;

/** Compare-and-set on the version: fails with 409 when somebody else changed the row first. */
export async function casUpdateExecution(tx: Tx, row: ExecutionRow, patch: ExecutionPatch, now: Date): Promise<ExecutionRow> {
  if (patch.status && patch.status !== row.status && !canTransition(row.status, patch.status as ExecutionStatus)) {
    throw new AppError('conflict', `cannot move an execution from ${row.status} to ${patch.status}`);
  }
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

async function finish(
  tx: Tx,
  row: ExecutionRow,
  status: 'completed' | 'failed' | 'rejected',
  actor: string,
  now: Date,
  extra: ExecutionPatch = {},
): Promise<ExecutionRow> {
  const updated = await casUpdateExecution(tx, row, { ...extra, status, completedAt: now, wakeAt: null, waitingUntil: null }, now);
  await recordEvent(tx, row.id, status, actor, row.currentStepId, status === 'failed' ? { error: extra.error ?? null } : null, now);
  return updated;
}

/** Turns a step's outcome into the execution's next state, inside the step's transaction. */
async function applyOutcome(tx: Tx, row: ExecutionRow, step: Step, outcome: StepOutcome, actor: string, now: Date): Promise<ExecutionRow> {
  const context = row.context as JsonObject;
  switch (outcome.kind) {
    case 'advance': {
      await recordEvent(tx, row.id, 'step_completed', actor, step.id, { type: step.type, ...outcome.eventData }, now);
      const patch: ExecutionPatch = { context: outcome.context ?? context, currentStepId: outcome.next };
      if (outcome.next === null) return finish(tx, row, 'completed', actor, now, patch);
      return casUpdateExecution(tx, row, { ...patch, wakeAt: leaseUntil(now) }, now);
    }
    case 'complete':
      await recordEvent(tx, row.id, 'step_completed', actor, step.id, { type: step.type, ...outcome.eventData }, now);
      return finish(tx, row, 'completed', actor, now, { context: outcome.context ?? context });
    case 'fail':
      return finish(tx, row, 'failed', actor, now, { error: outcome.reason });
    case 'sleep':
      await recordEvent(tx, row.id, 'waiting', actor, step.id, { until: outcome.until.toISOString() }, now);
      return casUpdateExecution(tx, row, { waitingUntil: outcome.until, wakeAt: outcome.until }, now);
    case 'pause': {
      const maxMs = outcome.timeoutMs ?? env().PAUSE_MAX_DURATION;
      const updated = await casUpdateExecution(
        tx,
        row,
        {
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
        },
        now,
      );
      await recordEvent(tx, row.id, 'paused', actor, step.id, { reason: outcome.reason, kind: outcome.pauseKind }, now);
      if (outcome.approval) {
        const [approval] = await tx
          .insert(approvalRequests)
          .values({
            executionId: row.id,
            stepId: step.id,
            reason: outcome.approval.reason,
            requiredApprovals: outcome.approval.requiredApprovals,
            approverRole: outcome.approval.approverRole,
            createdAt: now,
          })
          .returning({ id: approvalRequests.id });
        await recordEvent(
          tx,
          row.id,
          'approval_requested',
          actor,
          step.id,
          { approval_id: approval!.id, required_approvals: outcome.approval.requiredApprovals, approver_role: outcome.approval.approverRole },
          now,
        );
      }
      return updated;
    }
  }
}

type StepResult = { row: ExecutionRow; stepId: string | null; done: boolean };

/** One step in one transaction, holding the execution's row lock: a step never runs twice. */
async function runOneStep(db: Db, executionId: string, actor: string, now: Date): Promise<StepResult> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(workflowExecutions).where(eq(workflowExecutions.id, executionId)).for('update');
    if (!row) throw new AppError('not_found', 'execution not found');
    if (row.status !== 'running') return { row, stepId: null, done: true };
    const def: CompiledDefinition = await loadDefinition(tx, row.workflowId);

    if (row.waitingUntil) {
      if (row.waitingUntil > now) return { row, stepId: null, done: true }; // still sleeping
      // The wait is over: the wait step completes now and the execution moves past it.
      const waitStep = row.currentStepId ? def.byId.get(row.currentStepId) : undefined;
      const next = waitStep && waitStep.type === 'wait' ? (waitStep.next ?? null) : null;
      await recordEvent(tx, row.id, 'step_completed', actor, row.currentStepId, { type: 'wait' }, now);
      const patch: ExecutionPatch = { waitingUntil: null, currentStepId: next };
      const updated = next === null ? await finish(tx, row, 'completed', actor, now, patch) : await casUpdateExecution(tx, row, { ...patch, wakeAt: leaseUntil(now) }, now);
      return { row: updated, stepId: row.currentStepId, done: updated.status !== 'running' };
    }

    if (row.currentStepId === null) {
      const updated = await finish(tx, row, 'completed', actor, now);
      return { row: updated, stepId: null, done: true };
    }
    const step = def.byId.get(row.currentStepId);
    if (!step) {
      const updated = await finish(tx, row, 'failed', actor, now, { error: `unknown step ${row.currentStepId}` });
      return { row: updated, stepId: null, done: true };
    }
    const outcome = executeStep(step, row.context as JsonObject, now);
    const updated = await applyOutcome(tx, row, step, outcome, actor, now);
    // A wait of zero (or one already due) goes straight on in the next iteration.
    return { row: updated, stepId: step.id, done: updated.status !== 'running' || (updated.waitingUntil !== null && updated.waitingUntil > now) };
  });
}

/**
 * Runs an execution until it completes, fails, pauses or sleeps. Each step's effect and the pointer
 * to the next step commit together; a concurrent pause wins at the next step boundary because every
 * step re-reads the row under its lock.
 */
export async function runExecution(db: Db, executionId: string, opts: RunOptions): Promise<ExecutionRow> {
  const clock = opts.now ?? (() => new Date());
  const maxSteps = opts.maxSteps ?? 1000;
  for (let i = 0; ; i++) {
    const res = await runOneStep(db, executionId, opts.actor, clock());
    if (res.stepId && opts.onStepCommitted) await opts.onStepCommitted(res.stepId);
    if (res.done) return res.row;
    if (i + 1 >= maxSteps) {
      // Hand the rest to the worker instead of holding this request forever.
      return db.transaction(async (tx) => {
        const [row] = await tx.select().from(workflowExecutions).where(eq(workflowExecutions.id, executionId)).for('update');
        if (!row || row.status !== 'running') return row ?? res.row;
        return casUpdateExecution(tx, row, { wakeAt: clock() }, clock());
      });
    }
  }
}
