import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { workflowExecutions } from '../../db/schema';
import { env } from '../../env';
import type { Actor } from '../access/permissions';
import { commitManualPause } from '../engine/commit-changes';
import { AppError } from '../errors';
import { toExecutionDto } from '../executions/execution-dto';
import { isUuid } from '../ids';

export const DEFAULT_PAUSE_REASON = 'Paused manually';

export const ZPauseExecution = z.strictObject({ reason: z.string().trim().min(1).max(1000).optional() });
export type PauseExecutionInput = z.infer<typeof ZPauseExecution>;

/**
 * Pauses a running execution — also one sleeping in a wait step. It takes effect at the step
 * boundary: a step in flight holds the row lock, so this waits for it to commit, and the next step
 * sees the pause and does not start.
 *
 * One statement, one round trip: the compare-and-set UPDATE (status must still be running when the
 * row lock is ours — PostgreSQL re-checks the WHERE clause after waiting for a concurrent writer)
 * and the timeline event commit together. Only a refusal costs a second query, to say why.
 */
export async function pauseExecution(db: Db, actor: Actor, id: string, input: PauseExecutionInput = {}, now = new Date()) {
  if (!isUuid(id)) throw new AppError('not_found', `execution ${id} not found`);
  const reason = input.reason ?? DEFAULT_PAUSE_REASON;
  const expiresAt = new Date(now.getTime() + env().PAUSE_MAX_DURATION);
  const paused = await commitManualPause(db, { id, now, reason, actor: actor.id, expiresAt });
  if (!paused) {
    const [cur] = await db.select({ status: workflowExecutions.status }).from(workflowExecutions).where(eq(workflowExecutions.id, id));
    if (!cur) throw new AppError('not_found', `execution ${id} not found`);
    throw new AppError('not_running', `execution is ${cur.status}; only running executions can be paused`);
  }
  return toExecutionDto(paused);
}
