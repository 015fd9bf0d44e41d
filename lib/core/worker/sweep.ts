import type { Db } from '../../db/client';
import { env } from '../../env';
import type { Logger } from '../../log';
import { deleteExpiredIdempotencyKeys } from '../idempotency';
import { expireHeldCallbacks } from './expire-held-callbacks';
import { expirePausedExecutions } from './expire-paused-executions';
import { resumeDecidedExecutions } from './resume-decided-executions';
import { wakeDueExecutions } from './wake-due-executions';
import { warnOldPauses } from './warn-old-pauses';

export type SweepCounts = {
  resumed: number;
  skipped: number;
  errors: number;
  woken: number;
  expired: number;
  warned: number;
  /** Held callbacks past CALLBACK_HOLD, marked expired. */
  callbacks_expired: number;
  /** Idempotency keys past IDEMPOTENCY_TTL, deleted. */
  idempotency_keys_deleted: number;
};

export type SweepOptions = { db: Db; log: Logger; batchSize: number; now: () => Date; shouldStop: () => boolean };

const MAX_BATCHES_PER_PHASE = 1000;

/**
 * One cycle of the worker. Each phase claims its own batches — decided executions first — so old
 * undecided pauses never starve newly decided ones; a phase repeats while it fills whole batches.
 * A failing phase is logged and the next still runs.
 */
export async function sweepOnce(opts: SweepOptions): Promise<SweepCounts> {
  const counts: SweepCounts = { resumed: 0, skipped: 0, errors: 0, woken: 0, expired: 0, warned: 0, callbacks_expired: 0, idempotency_keys_deleted: 0 };
  const base = { batchSize: opts.batchSize, now: opts.now, log: opts.log };
  // A phase goes on while it claims full batches and gets somewhere (rows that keep failing stay
  // queued for the next cycle instead of spinning this one).
  const phase = async (name: string, fn: () => Promise<{ claimed: number; progress: number }>) => {
    for (let i = 0; i < MAX_BATCHES_PER_PHASE && !opts.shouldStop(); i++) {
      try {
        const { claimed, progress } = await fn();
        if (claimed < opts.batchSize || progress === 0) return;
      } catch (e) {
        counts.errors++;
        opts.log.error({ phase: name, err: (e as Error).message }, 'worker phase failed');
        return;
      }
    }
  };
  await phase('resume-decided', async () => {
    const c = await resumeDecidedExecutions(opts.db, base);
    counts.resumed += c.resumed;
    counts.skipped += c.skipped;
    counts.errors += c.errors;
    return { claimed: c.claimed, progress: c.resumed + c.skipped };
  });
  await phase('wake-due', async () => {
    const c = await wakeDueExecutions(opts.db, base);
    counts.woken += c.woken;
    counts.errors += c.errors;
    return { claimed: c.claimed, progress: c.woken };
  });
  await phase('expire', async () => {
    const c = await expirePausedExecutions(opts.db, base);
    counts.expired += c.expired;
    counts.errors += c.errors;
    return { claimed: c.claimed, progress: c.expired };
  });
  await phase('warn', async () => {
    const c = await warnOldPauses(opts.db, { ...base, warnAfterMs: env().PAUSE_WARN_AFTER });
    counts.warned += c.warned;
    return { claimed: c.claimed, progress: c.warned };
  });
  await phase('callback-expiry', async () => {
    const n = await expireHeldCallbacks(opts.db, base);
    counts.callbacks_expired += n;
    return { claimed: n, progress: n };
  });
  // Expired idempotency keys, a batch per statement (few row locks at a time), while batches fill.
  await phase('idempotency-expiry', async () => {
    const n = await deleteExpiredIdempotencyKeys(opts.db, opts.batchSize, opts.now());
    counts.idempotency_keys_deleted += n;
    return { claimed: n, progress: n };
  });
  return counts;
}
