import pg from 'pg';
import type { Db } from '../../db/client';
import type { Logger } from '../../log';
import { DECISION_CHANNEL } from '../approvals/decide-approval';
import { resumeDecidedExecutions } from './resume-decided-executions';

/**
 * The push path: approve/reject transactions NOTIFY, and this resumes the execution at once. Every
 * worker listens; SKIP LOCKED and the paused-status check make sure only one resumes each
 * execution. A lost notification (worker restarting, connection dropped) is caught by the sweep.
 */
export function listenForDecisions(opts: { db: Db; connectionString: string; log: Logger; now: () => Date; concurrency?: number; onResumed?: (n: number) => void }) {
  let client: pg.Client | null = null;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | null = null;
  const queue: string[] = [];
  let active = 0;
  const limit = opts.concurrency ?? 4;
  let idle: Promise<void> = Promise.resolve();
  let resolveIdle: (() => void) | null = null;

  const pump = () => {
    while (active < limit && queue.length > 0 && !stopped) {
      const id = queue.shift()!;
      if (active === 0) idle = new Promise((r) => (resolveIdle = r));
      active++;
      resumeDecidedExecutions(opts.db, { batchSize: 1, now: opts.now, log: opts.log, executionId: id })
        .then((c) => {
          if (c.resumed > 0) opts.onResumed?.(c.resumed);
        })
        .catch((e: unknown) => opts.log.warn({ execution_id: id, err: (e as Error).message }, 'push resume failed; the sweep will retry'))
        .finally(() => {
          active--;
          if (active === 0) resolveIdle?.();
          pump();
        });
    }
  };

  const connect = async () => {
    if (stopped) return;
    const c = new pg.Client({ connectionString: opts.connectionString });
    c.on('notification', (msg) => {
      if (msg.channel === DECISION_CHANNEL && msg.payload) {
        queue.push(msg.payload);
        pump();
      }
    });
    c.on('error', (err) => {
      opts.log.warn({ err: err.message }, 'decision listener lost its connection; reconnecting');
      scheduleReconnect();
    });
    c.on('end', () => {
      if (!stopped) scheduleReconnect();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${DECISION_CHANNEL}`);
      client = c;
      opts.log.debug('listening for approval decisions');
    } catch (e) {
      opts.log.warn({ err: (e as Error).message }, 'decision listener could not connect; retrying');
      c.end().catch(() => undefined);
      scheduleReconnect();
    }
  };

  const scheduleReconnect = () => {
    if (stopped || retryTimer) return;
    const old = client;
    client = null;
    old?.end().catch(() => undefined);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void connect();
    }, 1000);
  };

  void connect();

  return {
    async stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      await idle; // finish the items in hand
      await client?.end().catch(() => undefined);
    },
  };
}
