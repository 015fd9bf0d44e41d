import type { Db } from '../../db/client';
import { listenChannel } from '../../db/listen-channel';
import type { Logger } from '../../log';
import { DECISION_CHANNEL } from '../approvals/decide-approval';
import { resumeDecidedExecutions } from './resume-decided-executions';

/**
 * The push path: approve/reject transactions NOTIFY, and this resumes the execution at once. Every
 * worker listens; SKIP LOCKED and the paused-status check make sure only one resumes each
 * execution. A lost notification (worker restarting, connection dropped) is caught by the sweep.
 */
export function listenForDecisions(opts: { db: Db; connectionString: string; log: Logger; now: () => Date; concurrency?: number; onResumed?: (n: number) => void }) {
  let stopped = false;
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

  const listener = listenChannel({
    connectionString: opts.connectionString,
    channel: DECISION_CHANNEL,
    what: 'approval decisions',
    log: opts.log,
    onNotification: (id) => {
      if (!id) return;
      queue.push(id);
      pump();
    },
  });

  return {
    async stop() {
      stopped = true;
      await idle; // finish the items in hand
      await listener.stop();
    },
  };
}
