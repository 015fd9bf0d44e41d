import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { workflowExecutions } from '../../db/schema';
import { env } from '../../env';
import type { Actor } from '../access/permissions';
import { parseDurationMs } from '../duration';
import { ExecutionChange } from '../engine/execution-change';
import { AppError } from '../errors';
import { isUuid } from '../ids';
import { toExecutionDto } from './execution-dto';

export const ZExtendExecution = z.union([
  z.strictObject({
    by: z
      .string()
      .max(40)
      .refine((v) => (parseDurationMs(v) ?? 0) > 0, { message: 'expected a positive ISO 8601 duration like "PT24H" or "P2D"' })
      .meta({ description: 'Move the deadline later by this much (ISO 8601 duration)' }),
  }),
  z.strictObject({ until: z.iso.datetime({ offset: true }).meta({ description: 'The new deadline (ISO 8601)' }) }),
]);
export type ExtendExecutionInput = z.infer<typeof ZExtendExecution>;

/**
 * Moves a paused execution's deadline (pause_expires_at; for an approval pause that is the
 * approval's timeout too): `by` later than the current deadline, or to `until`. Never before now,
 * never past PAUSE_EXTEND_MAX from the pause (422); 409 not_paused unless paused. One
 * compare-and-set under the row lock with its `extended` event.
 */
export async function extendExecution(db: Db, actor: Actor, id: string, input: ExtendExecutionInput, now = new Date()) {
  if (!isUuid(id)) throw new AppError('not_found', `execution ${id} not found`);
  const row = await db.transaction(async (tx) => {
    const [cur] = await tx.select().from(workflowExecutions).where(eq(workflowExecutions.id, id)).for('update');
    if (!cur) throw new AppError('not_found', `execution ${id} not found`);
    if (cur.status !== 'paused' || !cur.pausedAt) throw new AppError('not_paused', `execution is ${cur.status}; only a paused execution's deadline can be extended`);
    const from = cur.pauseExpiresAt ?? now;
    const until = 'by' in input ? new Date(Math.max(from.getTime(), now.getTime()) + parseDurationMs(input.by)!) : new Date(input.until);
    const bound = new Date(cur.pausedAt.getTime() + env().PAUSE_EXTEND_MAX);
    const field = 'by' in input ? 'by' : 'until';
    if (until.getTime() <= now.getTime()) throw new AppError('validation_failed', `${field}: the new deadline ${until.toISOString()} is in the past`, [{ path: field, message: 'in the past' }]);
    if (until.getTime() > bound.getTime()) {
      throw new AppError(
        'validation_failed',
        `${field}: the new deadline ${until.toISOString()} is past ${bound.toISOString()}, PAUSE_EXTEND_MAX after the pause began`,
        [{ path: field, message: `beyond ${bound.toISOString()} (PAUSE_EXTEND_MAX from the pause)` }],
      );
    }
    const change = new ExecutionChange(cur);
    change.set({ pauseExpiresAt: until });
    // A pending approval's unused decision links end with the request's deadline (or their TTL, sooner).
    if (cur.pauseKind === 'approval') {
      await tx.execute(sql`update decision_links l set expires_at = least(l.created_at + ${env().DECISION_LINK_TTL} * interval '1 millisecond', ${until.toISOString()}::timestamptz)
        where l.used_at is null and l.approval_id in (select id from approval_requests where execution_id = ${cur.id}::uuid and status = 'pending')`);
    }
    change.event('extended', actor.id, cur.pausedStepId, { from: cur.pauseExpiresAt?.toISOString() ?? null, to: until.toISOString(), ...input }, now);
    return change.commit(tx, now);
  });
  return toExecutionDto(row);
}
