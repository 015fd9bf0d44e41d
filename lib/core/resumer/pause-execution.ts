import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { workflowExecutions } from '../../db/schema';
import { env } from '../../env';
import type { Actor } from '../access/permissions';
import { casUpdateExecution, recordEvent } from '../engine/run-execution';
import { AppError } from '../errors';
import { toExecutionDto } from '../executions/execution-dto';
import { isUuid } from '../pagination';

export const DEFAULT_PAUSE_REASON = 'Paused manually';

export const ZPauseExecution = z.strictObject({ reason: z.string().trim().min(1).max(1000).optional() });
export type PauseExecutionInput = z.infer<typeof ZPauseExecution>;

/**
 * Pauses a running execution — also one sleeping in a wait step. It takes effect at the step
 * boundary: a step in flight holds the row lock, so this waits for it to commit, and the next step
 * sees the pause and does not start.
 */
export async function pauseExecution(db: Db, actor: Actor, id: string, input: PauseExecutionInput = {}, now = new Date()) {
  if (!isUuid(id)) throw new AppError('not_found', `execution ${id} not found`);
  const row = await db.transaction(async (tx) => {
    const [cur] = await tx.select().from(workflowExecutions).where(eq(workflowExecutions.id, id)).for('update');
    if (!cur) throw new AppError('not_found', `execution ${id} not found`);
    if (cur.status !== 'running') throw new AppError('not_running', `execution is ${cur.status}; only running executions can be paused`);
    const reason = input.reason ?? DEFAULT_PAUSE_REASON;
    const updated = await casUpdateExecution(
      tx,
      cur,
      {
        status: 'paused',
        wakeAt: null,
        pausedAt: now,
        pausedReason: reason,
        pausedStepId: cur.currentStepId,
        nextStepId: cur.currentStepId,
        pauseKind: 'manual',
        pausedBy: actor.id,
        pauseExpiresAt: new Date(now.getTime() + env().PAUSE_MAX_DURATION),
        decidedAt: null,
        pauseWarnedAt: null,
      },
      now,
    );
    await recordEvent(tx, id, 'paused', actor.id, cur.currentStepId, { reason, kind: 'manual', sleeping_until: cur.waitingUntil?.toISOString() ?? null }, now);
    return updated;
  });
  return toExecutionDto(row);
}
