import { and, asc, eq, isNotNull } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { workflowExecutions } from '../../db/schema';
import type { Logger } from '../../log';
import { SYSTEM_ACTOR } from '../access/permissions';
import { runExecution } from '../engine/run-execution';
import type { JsonObject } from '../engine/execute-step';
import { applyResume } from '../resumer/apply-resume';

export type PhaseCounts = { resumed: number; skipped: number; errors: number; claimed: number };

/**
 * Claims decided executions (FOR UPDATE SKIP LOCKED: parallel workers split the rows), moves each
 * to running in the claim's transaction, then runs them on. Each row gets its own savepoint, so a
 * bad row is skipped without undoing the others. A worker that dies after the commit leaves the
 * executions running with a lease, which the wake-up phase picks up: nothing is lost.
 */
export async function resumeDecidedExecutions(
  db: Db,
  opts: { batchSize: number; now: () => Date; log: Logger; executionId?: string },
): Promise<PhaseCounts> {
  const counts: PhaseCounts = { resumed: 0, skipped: 0, errors: 0, claimed: 0 };
  const now = opts.now();
  const resumedIds = await db.transaction(async (tx) => {
    const conditions = [eq(workflowExecutions.status, 'paused'), isNotNull(workflowExecutions.decidedAt)];
    if (opts.executionId) conditions.push(eq(workflowExecutions.id, opts.executionId));
    const rows = await tx
      .select()
      .from(workflowExecutions)
      .where(and(...conditions))
      .orderBy(asc(workflowExecutions.decidedAt))
      .limit(opts.batchSize)
      .for('update', { skipLocked: true });
    counts.claimed = rows.length;
    const ids: string[] = [];
    for (const row of rows) {
      const data = (row.resumeData ?? {}) as JsonObject;
      if (typeof data.approved !== 'boolean') {
        // Not a valid decision (written by hand?): take it off the queue instead of retrying forever.
        counts.skipped++;
        opts.log.warn({ execution_id: row.id }, 'Failed to resume: resume_data.approved is not a boolean');
        await tx.update(workflowExecutions).set({ decidedAt: null }).where(eq(workflowExecutions.id, row.id));
        continue;
      }
      try {
        const updated = await tx.transaction((sp) => applyResume(sp, row, { data, actor: SYSTEM_ACTOR.id, now, source: 'worker' }));
        if (updated.status === 'running') ids.push(row.id);
        else counts.resumed++; // ended right away (rejected with nothing to run)
      } catch (e) {
        counts.errors++;
        opts.log.error({ execution_id: row.id, err: (e as Error).message }, 'Failed to resume execution');
      }
    }
    return ids;
  });
  for (const id of resumedIds) {
    try {
      await runExecution(db, id, { actor: SYSTEM_ACTOR.id, now: opts.now });
      counts.resumed++;
    } catch (e) {
      // The execution is running with a lease; the wake-up phase will retry it.
      counts.errors++;
      opts.log.error({ execution_id: id, err: (e as Error).message }, 'Failed to run resumed execution');
    }
  }
  return counts;
}
