import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { workerHeartbeats } from '../../db/schema';
import type { Logger } from '../../log';
import { startNotificationLoop } from '../notifications/notification-loop';
import { listenForDecisions } from './listen-for-decisions';
import { sweepOnce, type SweepCounts } from './sweep';

export type WorkerOptions = {
  db: Db;
  log: Logger;
  intervalMs: number;
  batchSize: number;
  now?: () => Date;
  /** When given, the worker also LISTENs for decisions on its own connection and resumes them at once. */
  connectionString?: string;
};

export function formatInterval(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

async function writeHeartbeat(db: Db, workerId: string, intervalMs: number, startedAt: Date, counts: SweepCounts | null, cycleMs: number | null) {
  const values = {
    workerId,
    hostname: os.hostname(),
    pid: process.pid,
    startedAt,
    intervalMs,
    lastCycleAt: counts ? new Date() : null,
    lastCycleMs: cycleMs,
    resumed: counts?.resumed ?? 0,
    skipped: counts?.skipped ?? 0,
    errors: counts?.errors ?? 0,
    totals: counts as unknown as Record<string, number> | null,
  };
  await db.insert(workerHeartbeats).values(values).onConflictDoUpdate({ target: workerHeartbeats.workerId, set: values });
}

/**
 * The worker loop: a sweep every interval, until stop() is called. stop() lets the item in hand
 * finish, then resolves.
 */
export function startWorker(opts: WorkerOptions) {
  const workerId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const startedAt = new Date();
  let stopping = false;
  let timer: NodeJS.Timeout | null = null;
  let wakeSleep: (() => void) | null = null;
  const now = opts.now ?? (() => new Date());

  opts.log.info(
    { interval_ms: opts.intervalMs, batch_size: opts.batchSize, worker_id: workerId },
    `Starting workflow resumer worker interval=${formatInterval(opts.intervalMs)} batch_size=${opts.batchSize}`,
  );

  const listener = opts.connectionString
    ? listenForDecisions({ db: opts.db, connectionString: opts.connectionString, log: opts.log, now })
    : null;

  // Reminders, escalations and message delivery run beside the sweep: a dead channel never delays it.
  const notifier = startNotificationLoop({ db: opts.db, log: opts.log, intervalMs: opts.intervalMs, batchSize: opts.batchSize, now, connectionString: opts.connectionString });

  const loop = (async () => {
    await writeHeartbeat(opts.db, workerId, opts.intervalMs, startedAt, null, null).catch(() => undefined);
    while (!stopping) {
      const t0 = performance.now();
      try {
        const counts = await sweepOnce({ db: opts.db, log: opts.log, batchSize: opts.batchSize, now, shouldStop: () => stopping });
        const cycleMs = Math.round(performance.now() - t0);
        opts.log.info(
          { ...counts, cycle_ms: cycleMs },
          `Paused executions processed: resumed=${counts.resumed}, skipped=${counts.skipped}, errors=${counts.errors}`,
        );
        await writeHeartbeat(opts.db, workerId, opts.intervalMs, startedAt, counts, cycleMs).catch((e: unknown) =>
          opts.log.warn({ err: (e as Error).message }, 'could not write worker heartbeat'),
        );
      } catch (e) {
        // The database may be away; the next cycle tries again.
        opts.log.error({ err: (e as Error).message }, 'worker cycle failed');
      }
      if (stopping) break;
      await new Promise<void>((resolve) => {
        wakeSleep = resolve;
        timer = setTimeout(resolve, opts.intervalMs);
      });
    }
  })();

  return {
    workerId,
    /** Runs a sweep now instead of at the next tick. */
    poke() {
      if (timer) clearTimeout(timer);
      wakeSleep?.();
    },
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      wakeSleep?.();
      await Promise.all([loop, listener?.stop(), notifier.stop()]);
      // A worker that stops cleanly takes its heartbeat with it, so scaling down raises no alert.
      await opts.db.delete(workerHeartbeats).where(eq(workerHeartbeats.workerId, workerId)).catch(() => undefined);
    },
  };
}
