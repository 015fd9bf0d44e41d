import type { Db } from '../../db/client';
import type { Logger } from '../../log';
import { wakeDueExecutions } from './wake-due-executions';

export type SweepCounts = { resumed: number; skipped: number; errors: number; woken: number; expired: number; warned: number };

export type SweepOptions = { db: Db; log: Logger; batchSize: number; now: () => Date; shouldStop: () => boolean };

/** One cycle of the worker. Each phase claims its own batch so no kind of work starves another. */
export async function sweepOnce(opts: SweepOptions): Promise<SweepCounts> {
  const counts: SweepCounts = { resumed: 0, skipped: 0, errors: 0, woken: 0, expired: 0, warned: 0 };
  const woke = await wakeDueExecutions(opts.db, opts.batchSize, opts.now);
  counts.woken += woke.resumed;
  counts.errors += woke.errors;
  return counts;
}
