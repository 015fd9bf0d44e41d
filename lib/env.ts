import proxyaddr from 'proxy-addr';
import { z } from 'zod';
import { DURATION_FORMS, parseDurationMs } from './core/duration';

/**
 * Every environment variable the product reads, parsed once. A wrong value stops start-up with a
 * message naming the variable instead of failing later in some request. The README's Configuration
 * table lists the same variables with the same defaults.
 */
const durationSeconds = z
  .string()
  .refine((v) => parseDurationMs(v) !== null, `expected ${DURATION_FORMS}`)
  .transform((v) => parseDurationMs(v)!);

const port = z.coerce.number().int().min(1).max(65535);
const flag = z
  .enum(['', '0', '1', 'false', 'true', 'no', 'yes'], { error: 'expected 1/0, true/false or yes/no' })
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const ZEnv = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z.string().url().optional(),
  PORT: port.default(3000),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  NEXTAUTH_SECRET: z.string().min(16).optional(),
  NEXTAUTH_URL: z.string().url().optional(),
  /** The base URL API clients reach this deployment at (the OpenAPI document's `servers`); default NEXTAUTH_URL. */
  PUBLIC_URL: z.string().url().optional(),
  WORKER_INTERVAL: durationSeconds.default(60_000),
  WORKER_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(50),
  PAUSE_MAX_DURATION: durationSeconds.default(7 * 86_400_000),
  PAUSE_WARN_AFTER: durationSeconds.default(86_400_000),
  /** How far POST /executions/{id}/extend may move a pause's deadline, counted from the pause. */
  PAUSE_EXTEND_MAX: durationSeconds.default(30 * 86_400_000),
  /** How long a callback sent to a key nobody waits on yet is held for the first pause on it. */
  CALLBACK_HOLD: durationSeconds.default(86_400_000),
  EXECUTION_LEASE: durationSeconds.default(30_000),
  /** Steps one execution may run in all (a loop that never pauses ends as failed). */
  MAX_STEPS_PER_EXECUTION: z.coerce.number().int().min(1).max(100_000_000).default(10_000),
  /** The largest context (JSON bytes) a merge may leave: start, resume, decision, set steps. */
  MAX_CONTEXT_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(256 * 1024),
  /** How long an Idempotency-Key is remembered; older keys count as unused and the worker deletes them. */
  IDEMPOTENCY_TTL: durationSeconds.default(86_400_000),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** A shared secret Prometheus may send as `Authorization: Bearer …` to read /api/v1/metrics. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** When set, each worker serves its own counters at http://0.0.0.0:PORT/metrics. */
  WORKER_METRICS_PORT: port.optional(),
  EMBEDDED_PG_PORT: port.default(54329),
  WR_SERVICE: z.string().min(1).max(64).default('workflow-resumer'),
  WR_SKIP_MIGRATE: flag.default(false),
  WR_DIST_DIR: z.string().min(1).default('.next'),
  // Reaching approvers (lib/core/notifications). Without SMTP_URL mail is kept in the outbox and
  // shown to admins on the console's Outbox page.
  SMTP_URL: z.string().regex(/^smtps?:\/\/[^\s]+$/, 'expected smtp://user:pass@host:port (or smtps://)').optional(),
  MAIL_FROM: z.string().min(3).max(200).default('Workflow Resumer <workflow-resumer@localhost>'),
  WEBHOOK_URL: z.string().url().regex(/^https?:\/\//, 'expected an http(s) URL').optional(),
  /** Signs webhook bodies: X-Workflow-Resumer-Signature: sha256=<HMAC-SHA256 of the body, hex>. */
  WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** How long a decision link works at most (it also ends with its request). */
  DECISION_LINK_TTL: durationSeconds.default(7 * 86_400_000),
  /**
   * Proxies whose X-Forwarded-For is believed (sign-in throttling): IPs, CIDRs, `loopback`,
   * `linklocal`, `uniquelocal`, comma separated. Unset: the header is ignored.
   */
  TRUSTED_PROXIES: z
    .string()
    .refine((v) => {
      try {
        proxyaddr.compile(v.split(',').map((s) => s.trim()).filter(Boolean));
        return true;
      } catch {
        return false;
      }
    }, 'expected IP addresses, CIDR ranges or loopback/linklocal/uniquelocal, comma separated')
    .optional(),
});

export type Env = z.infer<typeof ZEnv>;

let cached: Env | undefined;

/** Empty variables count as unset (`FOO= npm start` is a common way to clear one). */
function withoutEmpty(source: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(source)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

export class EnvError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(`Invalid environment configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}`);
    this.name = 'EnvError';
  }
}

export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = ZEnv.safeParse(withoutEmpty(source));
  if (!parsed.success) throw new EnvError(parsed.error.issues.map((i) => ({ variable: i.path.join('.'), message: i.message })));
  const e = parsed.data;
  // A worker's metrics port listens on every interface: in production it must not answer strangers.
  if (e.NODE_ENV === 'production' && e.WORKER_METRICS_PORT && !e.METRICS_TOKEN) {
    throw new EnvError([{ variable: 'WORKER_METRICS_PORT', message: 'requires METRICS_TOKEN when NODE_ENV=production (Prometheus sends it as a Bearer token)' }]);
  }
  return e;
}

export function env(): Env {
  cached ??= parseEnv();
  return cached;
}

/**
 * For entry points (web, worker, CLI): parse the environment now and stop with a message naming the
 * bad variables instead of a stack trace.
 */
export function envOrExit(who: string): Env {
  try {
    return env();
  } catch (e) {
    console.error(`[${who}] ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}

/** The log level without failing: a bad LOG_LEVEL is reported by env() at start, not by the logger. */
export function logLevelFromEnv(source: NodeJS.ProcessEnv = process.env): (typeof LOG_LEVELS)[number] {
  const r = ZEnv.shape.LOG_LEVEL.safeParse(source.LOG_LEVEL || undefined);
  return r.success ? r.data : 'info';
}
