import { and, eq, lte, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { callbacks, workflowExecutions, type CallbackRow } from '../../db/schema';
import { env } from '../../env';
import type { Actor } from '../access/permissions';
import { AppError } from '../errors';
import type { ExecutionDto } from '../executions/execution-dto';
import { resumeExecution, ZResumeExecution } from '../resumer/resume-execution';
import { toCallbackDto, type HeldCallbackDto } from './callback-dto';
import { KEY_PATTERN, KEY_RULE } from './callback-key';
import { lockCallbackKey } from './key-lock';

/** The body of POST /callbacks/{key}: what a resume takes. */
export const ZSendCallback = ZResumeExecution;
export type SendCallbackInput = z.infer<typeof ZSendCallback>;

export type SendCallbackResult = { kind: 'resumed'; execution: ExecutionDto } | { kind: 'held'; held: HeldCallbackDto };

/**
 * A callback for `key`. Under the key's lock (lib/core/callbacks/key-lock.ts), so it cannot pass a
 * pause on the same key unseen: when an execution is paused on the key, it is resumed with
 * `resume_data` exactly as POST /executions/{id}/resume would (resumeExecution: the same write
 * path, the same rules; racing resumes get 409). Otherwise the callback is held for CALLBACK_HOLD
 * and the first execution that pauses on the key consumes it (settle-callback-pauses.ts). A second
 * callback while one is held for the key → 409.
 */
export async function sendCallback(db: Db, actor: Actor, key: string, input: SendCallbackInput = {}, now = new Date()): Promise<SendCallbackResult> {
  if (!KEY_PATTERN.test(key)) throw new AppError('validation_failed', `key: a callback key is ${KEY_RULE}`, [{ path: 'key', message: KEY_RULE }]);
  const data = input.resume_data ?? {};
  const found = await db.transaction(async (tx): Promise<{ executionId: string } | { held: CallbackRow }> => {
    await lockCallbackKey(tx, key);
    const [waiting] = await tx
      .select({ id: workflowExecutions.id })
      .from(workflowExecutions)
      .where(and(eq(workflowExecutions.callbackKey, key), sql`${workflowExecutions.status} = 'paused'`))
      .limit(1);
    if (waiting) return { executionId: waiting.id };
    // A held callback past its time no longer counts (the worker marks it too, visibly).
    await tx
      .update(callbacks)
      .set({ status: 'expired', expiredAt: now })
      .where(and(eq(callbacks.key, key), eq(callbacks.status, 'held'), lte(callbacks.expiresAt, now)));
    const [held] = await tx
      .insert(callbacks)
      .values({ key, resumeData: data, sentBy: actor.id, expiresAt: new Date(now.getTime() + env().CALLBACK_HOLD), createdAt: now })
      .onConflictDoNothing({ target: callbacks.key, where: sql`status = 'held'` })
      .returning();
    if (!held) {
      const [other] = await tx.select().from(callbacks).where(and(eq(callbacks.key, key), eq(callbacks.status, 'held'))).limit(1);
      throw new AppError(
        'conflict',
        `a callback for key "${key}" is already held${other ? ` (${other.id}, sent by ${other.sentBy}, until ${other.expiresAt.toISOString()})` : ''}; it is consumed by the first execution that pauses on the key`,
      );
    }
    return { held };
  });
  if ('executionId' in found) return { kind: 'resumed', execution: await resumeExecution(db, actor, found.executionId, { resume_data: data }, { now: () => now }) };
  return { kind: 'held', held: { held: true, expires_at: found.held.expiresAt.toISOString(), callback: toCallbackDto(found.held) } };
}
