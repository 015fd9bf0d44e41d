import { and, asc, eq, gt, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../db/client';
import { CALLBACK_STATUSES, callbacks } from '../../db/schema';
import { decodeKeysetCursor, encodeKeysetCursor, PAGE_QUERY } from '../pagination';
import { toCallbackDto, type CallbackListDto } from './callback-dto';

export const ZListCallbacks = z.strictObject({
  status: z.enum(CALLBACK_STATUSES).optional().meta({ description: 'held, consumed, expired or refused; default: all' }),
  key: z.string().max(200).optional().meta({ description: 'Only this key' }),
  ...PAGE_QUERY,
});
export type ListCallbacksInput = z.infer<typeof ZListCallbacks>;

/** Callbacks oldest first, keyset-paged by (created_at, id) like every list. */
export async function listCallbacks(db: DbOrTx, input: ListCallbacksInput): Promise<CallbackListDto> {
  const where: SQL[] = [];
  if (input.status) where.push(eq(callbacks.status, input.status));
  if (input.key) where.push(eq(callbacks.key, input.key));
  if (input.cursor) {
    const { at, id } = decodeKeysetCursor(input.cursor);
    where.push(or(gt(callbacks.createdAt, at), and(eq(callbacks.createdAt, at), gt(callbacks.id, id)))!);
  }
  const rows = await db
    .select()
    .from(callbacks)
    .where(where.length ? and(...where) : undefined)
    .orderBy(asc(callbacks.createdAt), asc(callbacks.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return {
    callbacks: page.map(toCallbackDto),
    count: page.length,
    next_cursor: rows.length > input.limit && last ? encodeKeysetCursor(last.createdAt, last.id) : null,
  };
}
