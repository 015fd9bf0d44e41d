import { and, asc, eq, isNotNull, lte } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { workflowExecutions } from '../../db/schema';
import { casUpdateExecution, leaseUntil, runExecution } from '../engine/run-execution';
import { SYSTEM_ACTOR } from '../access/permissions';
import type { Logger } from '../../log';

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
      .where(and(eq(workflowExecutions.status, 'running'), isNotNull(workflowExecutions.wakeAt), lte(workflowExecutions.wakeAt, now)))
      .orderBy(asc(workflowExecutions.wakeAt))
      .limit(batchSize)
      .for('update', { skipLocked: true });
    const ids: string[] = [];
    for (const row of rows) {
      // A sleeping row keeps its wait deadline; only the pick-up time moves to a fresh lease.
      await casUpdateExecution(tx, row, { wakeAt: leaseUntil(now) }, now);
      ids.push(row.id);
    }
    return ids;
  });
}

export async function wakeDueExecutions(db: Db, batchSize: number, now: () => Date, log?: Logger) {
  const ids = await claimDueExecutions(db, batchSize, now());
  let resumed = 0;
  let errors = 0;
  for (const id of ids) {
    try {
      await runExecution(db, id, { actor: SYSTEM_ACTOR.id, now });
      resumed++;
    } catch (e) {
      // The claim renewed its lease: the next sweep after the lease retries it.
      errors++;
      log?.error({ execution_id: id, err: (e as Error).message }, 'Failed to continue execution');
    }
  }
  return { claimed: ids.length, resumed, errors };
}
