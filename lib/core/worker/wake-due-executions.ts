import { and, asc, isNotNull, lte } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { hiddenLimit, hiddenSql, literalEq } from '../../db/sql/page-first';
import { workflowExecutions } from '../../db/schema';
import { commitChanges } from '../engine/commit-changes';
import { ExecutionChange, leaseUntil } from '../engine/execution-change';
import { runExecution } from '../engine/run-execution';
import { SYSTEM_ACTOR } from '../access/permissions';
import { phaseLog, type PhaseCounts, type PhaseOptions } from './phase';

/**
 * Claims running executions whose wake-up time has come — a finished wait step, or a lease that
 * lapsed because the process running it died — and runs them on. Claims use SKIP LOCKED, so any
 * number of workers split the rows between them; the claim renews the lease before the row lock is
 * released, so a second worker does not take the same row.
 */
export async function claimDueExecutions(db: Db, batchSize: number, now: Date): Promise<string[]> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .select()
      .from(workflowExecutions)
      .where(and(literalEq(workflowExecutions.status, 'running'), isNotNull(workflowExecutions.wakeAt), lte(workflowExecutions.wakeAt, hiddenSql(now, 'timestamptz'))))
      .orderBy(asc(workflowExecutions.wakeAt))
      .limit(hiddenLimit(batchSize))
      .for('update', { skipLocked: true });
    // A sleeping row keeps its wait deadline; only the pick-up time moves to a fresh lease. The rows
    // are locked, so one statement renews them all (a state change: the version goes up).
    const changes = rows.map((r) => new ExecutionChange(r));
    for (const c of changes) c.set({ wakeAt: leaseUntil(now) });
    if (changes.length > 0) await commitChanges(tx, changes, now);
    return rows.map((r) => r.id);
  });
}

export async function wakeDueExecutions(db: Db, opts: PhaseOptions): Promise<PhaseCounts & { woken: number }> {
  const ids = await claimDueExecutions(db, opts.batchSize, opts.now());
  let woken = 0;
  let errors = 0;
  for (const id of ids) {
    try {
      await runExecution(db, id, { actor: SYSTEM_ACTOR.id, now: opts.now });
      woken++;
    } catch (e) {
      // The claim renewed its lease: the next sweep after the lease retries it.
      errors++;
      phaseLog(opts).error({ execution_id: id, err: (e as Error).message }, 'Failed to continue execution');
    }
  }
  return { claimed: ids.length, errors, woken };
}
