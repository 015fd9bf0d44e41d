import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { listenChannel, type ChannelListener } from '../../db/listen-channel';
import type { Logger } from '../../log';
import { deliverDueNotifications } from './deliver';
import { sendDueFollowUps } from './follow-ups';
import { NOTIFICATION_CHANNEL } from './outbox';

const MAX_ROUNDS = 100;

/** When the next message or follow-up is due (both are index-first minimums), or null. */
async function nextDue(db: Db): Promise<Date | null> {
  const r = await db.execute<{ next: string | Date | null }>(sql`select least(
      (select min(next_attempt_at) from notifications where status = 'pending'),
      (select min(follow_up_at) from approval_requests where status = 'pending' and follow_up_at is not null)) as next`);
  const v = r.rows[0]?.next;
  return v ? new Date(v) : null;
}

/**
 * The worker's notification loop, beside (not inside) its sweep, so a dead mail server or webhook
 * never delays resuming executions: it sends due reminders/escalations and due messages, then sleeps
 * until the next one is due (at most `intervalMs`), or until a NOTIFY on wr_notifications says a
 * transaction wrote new ones.
 */
export function startNotificationLoop(opts: { db: Db; log: Logger; intervalMs: number; batchSize: number; now: () => Date; connectionString?: string }) {
  let stopping = false;
  let timer: NodeJS.Timeout | null = null;
  let wake: (() => void) | null = null;
  let woken = false;
  const poke = () => {
    woken = true;
    if (timer) clearTimeout(timer);
    wake?.();
  };
  const listener: ChannelListener | null = opts.connectionString
    ? listenChannel({
        connectionString: opts.connectionString,
        channel: NOTIFICATION_CHANNEL,
        what: 'notifications',
        log: opts.log,
        onNotification: poke,
        onUp: poke, // anything written while the connection was down
      })
    : null;

  const loop = (async () => {
    while (!stopping) {
      woken = false;
      let sleepMs = opts.intervalMs;
      try {
        for (let round = 0; round < MAX_ROUNDS && !stopping; round++) {
          const f = await sendDueFollowUps(opts.db, opts);
          const d = await deliverDueNotifications(opts.db, opts);
          if (f.claimed + d.claimed > 0) opts.log.debug({ ...d, reminded: f.reminded, escalated: f.escalated }, 'notifications processed');
          if (f.claimed < opts.batchSize && d.claimed < opts.batchSize) break;
        }
        const next = await nextDue(opts.db);
        if (next) sleepMs = Math.max(50, Math.min(sleepMs, next.getTime() - opts.now().getTime()));
      } catch (e) {
        // The database may be away; try again after a short pause.
        opts.log.error({ err: (e as Error).message }, 'notification cycle failed');
        sleepMs = Math.min(sleepMs, 5_000);
      }
      if (stopping || woken) continue;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, sleepMs);
      });
      wake = null;
    }
  })();

  return {
    poke,
    async stop() {
      stopping = true;
      poke();
      await Promise.all([loop, listener?.stop()]);
    },
  };
}
