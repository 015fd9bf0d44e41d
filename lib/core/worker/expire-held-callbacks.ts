import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import type { Logger } from '../../log';

/**
 * Marks held callbacks past CALLBACK_HOLD as expired, a batch per statement (SKIP LOCKED: workers
 * split them, and a pause consuming one right now keeps it). Each is logged; GET /callbacks?status=expired lists them.
 */
export async function expireHeldCallbacks(db: Db, opts: { batchSize: number; now: () => Date; log: Logger }): Promise<number> {
  const now = opts.now();
  const r = await db.execute<{ id: string; key: string; sent_by: string }>(sql`
    update callbacks set status = 'expired', expired_at = ${now.toISOString()}::timestamptz
     where id in (select id from callbacks where status = 'held' and expires_at <= ${now.toISOString()}::timestamptz
                   order by expires_at limit ${opts.batchSize} for update skip locked)
       and status = 'held'
    returning id, key, sent_by`);
  for (const row of r.rows) opts.log.info({ callback_id: row.id, callback_key: row.key, sent_by: row.sent_by }, 'Held callback expired unconsumed');
  return r.rows.length;
}
