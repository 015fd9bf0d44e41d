import { and, asc, inArray, isNull, lt } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { hiddenLimit, hiddenSql, literalEq } from '../../db/sql/page-first';
import { workflowExecutions } from '../../db/schema';
import { phaseLog, type PhaseCounts, type PhaseOptions } from './phase';

const DAY_MS = 86_400_000;

/**
 * Logs a warning for each pause older than `warnAfterMs`, once per execution per day. Two claims,
 * each a range on an index of its own (idx_executions_pause_unwarned, idx_executions_pause_warned),
 * so the work is proportional to the pauses due a warning, not to every old pause.
 */
export async function warnOldPauses(db: Db, opts: PhaseOptions & { warnAfterMs: number }): Promise<PhaseCounts & { warned: number }> {
  const now = opts.now();
  const oldBefore = new Date(now.getTime() - opts.warnAfterMs);
  const warnedBefore = new Date(now.getTime() - DAY_MS);
  const fields = { id: workflowExecutions.id, pausedAt: workflowExecutions.pausedAt, reason: workflowExecutions.pausedReason };
  return db.transaction(async (tx) => {
    const never = await tx
      .select(fields)
      .from(workflowExecutions)
      .where(and(literalEq(workflowExecutions.status, 'paused'), isNull(workflowExecutions.pauseWarnedAt), lt(workflowExecutions.pausedAt, hiddenSql(oldBefore, 'timestamptz'))))
      .orderBy(asc(workflowExecutions.pausedAt))
      .limit(hiddenLimit(opts.batchSize))
      .for('update', { skipLocked: true });
    const again =
      never.length < opts.batchSize
        ? await tx
            .select(fields)
            .from(workflowExecutions)
            .where(and(literalEq(workflowExecutions.status, 'paused'), lt(workflowExecutions.pauseWarnedAt, hiddenSql(warnedBefore, 'timestamptz')), lt(workflowExecutions.pausedAt, hiddenSql(oldBefore, 'timestamptz'))))
            .orderBy(asc(workflowExecutions.pauseWarnedAt))
            .limit(hiddenLimit(opts.batchSize - never.length))
            .for('update', { skipLocked: true })
        : [];
    const rows = [...never, ...again];
    for (const r of rows) {
      const hours = Math.floor((now.getTime() - r.pausedAt!.getTime()) / 3_600_000);
      phaseLog(opts).warn({ execution_id: r.id, paused_hours: hours, reason: r.reason }, `Execution paused for more than ${Math.floor(opts.warnAfterMs / 3_600_000)}h`);
    }
    // Bookkeeping only, not a state change: no version bump. One statement for the batch.
    if (rows.length > 0) await tx.update(workflowExecutions).set({ pauseWarnedAt: now }).where(inArray(workflowExecutions.id, rows.map((r) => r.id)));
    return { claimed: rows.length, errors: 0, warned: rows.length };
  });
}
