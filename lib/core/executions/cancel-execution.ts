import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { approvalRequests, workflowExecutions } from '../../db/schema';
import type { Actor } from '../access/permissions';
import { ExecutionChange } from '../engine/execution-change';
import { AppError } from '../errors';
import { isUuid } from '../ids';
import { toExecutionDto } from './execution-dto';

export const ZCancelExecution = z.strictObject({ reason: z.string().trim().max(1000).optional() });

/** Cancels a running (or sleeping) or paused execution; a pending approval is closed as expired. */
export async function cancelExecution(db: Db, actor: Actor, id: string, input: { reason?: string } = {}, now = new Date()) {
  if (!isUuid(id)) throw new AppError('not_found', `execution ${id} not found`);
  const row = await db.transaction(async (tx) => {
    const [cur] = await tx.select().from(workflowExecutions).where(eq(workflowExecutions.id, id)).for('update');
    if (!cur) throw new AppError('not_found', `execution ${id} not found`);
    const change = new ExecutionChange(cur);
    change.end('cancelled', now, { error: input.reason ?? null }, `execution is ${cur.status} and cannot be cancelled`);
    change.event('cancelled', actor.id, cur.currentStepId, { reason: input.reason ?? null }, now);
    await tx
      .update(approvalRequests)
      .set({ status: 'expired', decidedAt: now, version: 1 })
      .where(and(eq(approvalRequests.executionId, id), eq(approvalRequests.status, 'pending')));
    return change.commit(tx, now);
  });
  return toExecutionDto(row);
}
