import { and, asc, eq, inArray, isNotNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { hiddenLimit, hiddenSql, literalEq } from '../../db/page-first';
import { workflowExecutions } from '../../db/schema';
import { leaseUntil, runExecution } from '../engine/run-execution';
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
      .where(and(literalEq(workflowExecutions.status, 'running'), isNotNull(workflowExecutions.wakeAt), lte(workflowExecutions.wakeAt, hiddenSql(now, 'timestamptz'))))
      .orderBy(asc(workflowExecutions.wakeAt))
      .limit(hiddenLimit(batchSize))
      .for('update', { skipLocked: true });
    // A sleeping row keeps its wait deadline; only the pick-up time moves to a fresh lease. The rows
    // are locked, so one statement renews them all (a state change: the version goes up).
    const ids = rows.map((r) => r.id);
    if (ids.length > 0) {
      await tx
        .update(workflowExecutions)
        .set({ wakeAt: leaseUntil(now), version: sql`${workflowExecutions.version} + 1`, updatedAt: now })
        .where(and(inArray(workflowExecutions.id, ids), eq(workflowExecutions.status, 'running')));
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
