import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';

/**
 * The one lock of a callback key, held to the end of the transaction: a pause on the key (its holder
 * check and the held callback it consumes) and a callback sent to it serialise on it, so the sender
 * either finds the paused execution or leaves a held callback that the pause then sees — never
 * neither, never both.
 */
export async function lockCallbackKey(tx: DbOrTx, key: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`wr_callback:${key}`}::text, 0))`);
}
