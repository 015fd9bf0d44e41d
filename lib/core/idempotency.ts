import { and, eq, inArray, lt, or, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { idempotencyKeys } from '../db/schema';
import { env } from '../env';

/**
 * An Idempotency-Key claimed and left without an answer for this long belongs to a request that
 * died (a crash, a lost connection): no request takes this long (the body is read in well under a
 * second, a resume runs at most a few hundred milliseconds of steps), so the next request with the
 * key takes it over instead of answering 409 idempotency_in_progress forever.
 */
export const IDEMPOTENCY_IN_PROGRESS_MAX_MS = 60_000;

export type IdempotencyClaim =
  /** Ours to run: `claimedAt` identifies this claim when the answer is stored or the key released. */
  | { kind: 'claimed'; claimedAt: Date }
  /** Somebody else's, still live: the stored request hash and (when finished) the answer. */
  | { kind: 'taken'; requestHash: string; statusCode: number | null; response: unknown };

/**
 * Claims (actor, key) for a request in one statement: a new key is inserted; a key older than
 * IDEMPOTENCY_TTL counts as never used, and one left in progress longer than
 * IDEMPOTENCY_IN_PROGRESS_MAX_MS as abandoned — both are taken over in place. Otherwise the live
 * key is returned for the caller to replay or refuse.
 */
export async function claimIdempotencyKey(
  db: DbOrTx,
  input: { actor: string; key: string; scope: string; requestHash: string },
  now = new Date(),
): Promise<IdempotencyClaim> {
  const expiredBefore = new Date(now.getTime() - env().IDEMPOTENCY_TTL);
  const abandonedBefore = new Date(now.getTime() - IDEMPOTENCY_IN_PROGRESS_MAX_MS);
  // A key released between the two statements below is simply claimed on the next round.
  for (let round = 0; round < 3; round++) {
    const [mine] = await db
      .insert(idempotencyKeys)
      .values({ ...input, createdAt: now })
      .onConflictDoUpdate({
        target: [idempotencyKeys.actor, idempotencyKeys.key],
        set: { scope: input.scope, requestHash: input.requestHash, statusCode: null, response: null, createdAt: now },
        setWhere: or(lt(idempotencyKeys.createdAt, expiredBefore), and(isNull(idempotencyKeys.statusCode), lt(idempotencyKeys.createdAt, abandonedBefore))),
      })
      .returning({ createdAt: idempotencyKeys.createdAt });
    if (mine) return { kind: 'claimed', claimedAt: mine.createdAt };
    const [live] = await db
      .select({ requestHash: idempotencyKeys.requestHash, statusCode: idempotencyKeys.statusCode, response: idempotencyKeys.response })
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.actor, input.actor), eq(idempotencyKeys.key, input.key)));
    if (live) return { kind: 'taken', ...live };
  }
  throw new Error('could not claim the idempotency key');
}

const ours = (actor: string, key: string, claimedAt: Date) =>
  and(eq(idempotencyKeys.actor, actor), eq(idempotencyKeys.key, key), eq(idempotencyKeys.createdAt, claimedAt));

/** Stores the answer of a claimed key (unless it was taken over meanwhile). */
export async function completeIdempotencyKey(db: DbOrTx, actor: string, key: string, claimedAt: Date, statusCode: number, response: unknown): Promise<void> {
  await db.update(idempotencyKeys).set({ statusCode, response }).where(ours(actor, key, claimedAt));
}

/** Gives a claimed key up: the request failed, and a retry with the key may run it again. */
export async function releaseIdempotencyKey(db: DbOrTx, actor: string, key: string, claimedAt: Date): Promise<void> {
  await db.delete(idempotencyKeys).where(ours(actor, key, claimedAt));
}

/**
 * Deletes up to `limit` keys older than IDEMPOTENCY_TTL, oldest first (idx_idempotency_created), and
 * returns how many; the worker calls it every sweep while it fills whole batches.
 */
export async function deleteExpiredIdempotencyKeys(db: DbOrTx, limit: number, now = new Date()): Promise<number> {
  const expiredBefore = new Date(now.getTime() - env().IDEMPOTENCY_TTL);
  const batch = db
    .select({ actor: idempotencyKeys.actor, key: idempotencyKeys.key })
    .from(idempotencyKeys)
    .where(lt(idempotencyKeys.createdAt, expiredBefore))
    .orderBy(idempotencyKeys.createdAt)
    .limit(limit);
  const deleted = await db
    .delete(idempotencyKeys)
    .where(and(lt(idempotencyKeys.createdAt, expiredBefore), inArray(sql`(${idempotencyKeys.actor}, ${idempotencyKeys.key})`, batch)))
    .returning({ key: idempotencyKeys.key });
  return deleted.length;
}
