import { z } from 'zod';

/**
 * Every environment variable the product reads, parsed once. A wrong value stops start-up with a
 * message naming the variable instead of failing later in some request.
 */
const durationSeconds = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)?$/, 'expected a number with an optional unit: ms, s, m, h or d (e.g. 60s, 1m, 7d)')
  .transform((v) => parseDurationToMs(v));

export function parseDurationToMs(v: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(v.trim());
  if (!m) throw new Error(`invalid duration ${v}`);
  const n = Number(m[1]);
  switch (m[2]) {
    case 'ms':
      return n;
    case 'm':
      return n * 60_000;
    case 'h':
      return n * 3_600_000;
    case 'd':
      return n * 86_400_000;
    default:
      return n * 1000; // bare numbers are seconds
  }
}

const ZEnv = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z.string().url().optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  NEXTAUTH_SECRET: z.string().min(16).optional(),
  WORKER_INTERVAL: durationSeconds.default(60_000),
  WORKER_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(50),
  PAUSE_MAX_DURATION: durationSeconds.default(7 * 86_400_000),
  PAUSE_WARN_AFTER: durationSeconds.default(86_400_000),
  EXECUTION_LEASE: durationSeconds.default(30_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof ZEnv>;

let cached: Env | undefined;

export function env(): Env {
  if (cached) return cached;
  const parsed = ZEnv.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid environment configuration:\n${lines.join('\n')}`);
  }
  cached = parsed.data;
  return cached;
}

/** For tests that change process.env between cases. */
export function resetEnvCache(): void {
  cached = undefined;
}
