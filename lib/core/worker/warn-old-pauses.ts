import { and, asc, eq, isNull, lt, or } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { workflowExecutions } from '../../db/schema';
import type { Logger } from '../../log';

const DAY_MS = 86_400_000;

/** Logs a warning for each pause older than `warnAfterMs`, once per execution per day. */
export async function warnOldPauses(db: Db, opts: { batchSize: number; now: () => Date; log: Logger; warnAfterMs: number }): Promise<number> {
  const now = opts.now();
  return db.transaction(async (tx) => {
    const rows = await tx
      .select({ id: workflowExecutions.id, pausedAt: workflowExecutions.pausedAt, reason: workflowExecutions.pausedReason })
      .from(workflowExecutions)
      .where(
        and(
          eq(workflowExecutions.status, 'paused'),
          lt(workflowExecutions.pausedAt, new Date(now.getTime() - opts.warnAfterMs)),
          or(isNull(workflowExecutions.pauseWarnedAt), lt(workflowExecutions.pauseWarnedAt, new Date(now.getTime() - DAY_MS))),
        ),
      )
      .orderBy(asc(workflowExecutions.pausedAt))
      .limit(opts.batchSize)
      .for('update', { skipLocked: true });
    for (const r of rows) {
      const hours = Math.floor((now.getTime() - r.pausedAt!.getTime()) / 3_600_000);
      opts.log.warn({ execution_id: r.id, paused_hours: hours, reason: r.reason }, `Execution paused for more than ${Math.floor(opts.warnAfterMs / 3_600_000)}h`);
      // Bookkeeping only, not a state change: no version bump.
      await tx.update(workflowExecutions).set({ pauseWarnedAt: now }).where(eq(workflowExecutions.id, r.id));
    }
    return rows.length;
  });
}
