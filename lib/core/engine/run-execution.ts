/**
 * Running an execution on: transactions of up to STEPS_PER_TRANSACTION steps, each re-reading the
 * row under its lock, until the execution completes, fails, pauses or sleeps.
 */
import { eq } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client';
import { workflowExecutions, type ExecutionRow } from '../../db/schema';
import { AppError } from '../errors';
import type { CompiledDefinition } from './definition';
import { ExecutionChange } from './execution-change';
import { canGoOn, runSteps } from './run-steps';
import { loadDefinition } from './workflow-definitions';

export type RunOptions = {
  /** Recorded on events; the request's actor or the worker. */
  actor: string;
  now?: () => Date;
  /** Safety valve for definitions that loop: past this the worker continues the execution later. */
  maxSteps?: number;
  /**
   * Test seam (e2e/fixtures/crash-runner.ts kills the process between steps; pause-boundary pauses
   * between them): when given, every step commits in a transaction of its own — instead of runs of up
   * to STEPS_PER_TRANSACTION — and this is called after each commit. Production code never passes it.
   */
  commitEachStep?: (stepId: string) => void | Promise<void>;
};

/**
 * Steps run back to back in one transaction, up to this many. Steps have no effects outside the
 * database, so a run of them commits together: a crash before the commit leaves the execution at the
 * step it had reached (nothing of the run happened), after it at the next one — never in between.
 * The bound keeps a looping definition from holding the row lock for long.
 */
export const STEPS_PER_TRANSACTION = 50;

/**
 * How many steps a start or resume runs in its own first transaction (the rest: runExecution). With
 * the commitEachStep seam, none: every step then commits on its own.
 */
export function stepsInFirstTransaction(opts: Partial<RunOptions>, maxSteps = STEPS_PER_TRANSACTION): number {
  return opts.commitEachStep ? 0 : Math.min(STEPS_PER_TRANSACTION, maxSteps);
}

type BatchResult = { row: ExecutionRow; ran: string[]; done: boolean };

async function lockExecution(tx: Tx, executionId: string): Promise<ExecutionRow> {
  const [row] = await tx.select().from(workflowExecutions).where(eq(workflowExecutions.id, executionId)).for('update');
  if (!row) throw new AppError('not_found', 'execution not found');
  return row;
}

/** One transaction holding the execution's row lock: up to `maxSteps` steps, committed together. */
async function runBatch(db: Db, executionId: string, actor: string, now: Date, maxSteps: number): Promise<BatchResult> {
  return db.transaction(async (tx) => {
    const row = await lockExecution(tx, executionId);
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
  const perTransaction = opts.commitEachStep ? 1 : STEPS_PER_TRANSACTION;
  let total = 0;
  for (;;) {
    if (total >= maxSteps) {
      // Hand the rest to the worker instead of holding this request forever.
      return db.transaction(async (tx) => {
        const row = await lockExecution(tx, executionId);
        if (row.status !== 'running') return row;
        const change = new ExecutionChange(row);
        change.set({ wakeAt: clock() });
        return change.commit(tx, clock());
      });
    }
    const res = await runBatch(db, executionId, opts.actor, clock(), Math.min(perTransaction, maxSteps - total));
    total += res.ran.length;
    if (opts.commitEachStep) for (const stepId of res.ran) await opts.commitEachStep(stepId);
    if (res.done) return res.row;
  }
}
