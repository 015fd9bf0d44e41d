import { log as processLog, type Logger } from '../../log';

/**
 * What every worker phase takes and gives (sweep.ts runs them in turn): a batch size, a clock and a
 * logger in; how many rows it claimed and how many failed out, plus its own count (resumed, woken,
 * expired, warned).
 */
export type PhaseOptions = { batchSize: number; now: () => Date; log?: Logger };
export type PhaseCounts = { claimed: number; errors: number };

export function phaseLog(opts: PhaseOptions): Logger {
  return opts.log ?? processLog;
}
