import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';
import { logLevelFromEnv } from './env';

/** What every log line written while handling one request carries (see withApiAuth). */
export type LogContext = { requestId: string };

const g = globalThis as unknown as { __wrLogContext?: AsyncLocalStorage<LogContext> };
// On globalThis so every bundle of the Next.js server shares one store.
const contextStore = (g.__wrLogContext ??= new AsyncLocalStorage<LogContext>());

/** Runs fn with `ctx` attached to every log line written inside it, however deep. */
export function withLogContext<T>(ctx: LogContext, fn: () => T): T {
  return contextStore.run(ctx, fn);
}

const DRIZZLE_QUERY_MESSAGE = /Failed query: [\s\S]*$/;
const QUERY_FAILED = 'database query failed (query and parameters not logged)';
// PostgreSQL error fields that carry row values or SQL text (`detail`: "Key (email)=(…) already
// exists"); the rest (code, table, constraint, column, routine) name things, not data.
const PG_SAFE_FIELDS = ['code', 'severity', 'table', 'column', 'constraint', 'schema', 'dataType', 'routine'] as const;

/**
 * The `err` of every log line. Errors from the database arrive wrapped in drizzle's
 * DrizzleQueryError, whose message and stack carry the SQL and its parameters (emails, token
 * hashes, request data): those are dropped, keeping the driver's error (code, message, table) and
 * the stack frames. Messages logged as strings (`err: e.message`) are cleaned the same way.
 */
export function serializeError(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(DRIZZLE_QUERY_MESSAGE, QUERY_FAILED);
  if (!(value instanceof Error) || depth > 4) return value;
  const e = value as Error & Record<string, unknown>;
  const isQueryError = typeof e.query === 'string' && Array.isArray(e.params);
  const frames = (e.stack ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .join('\n');
  let message = isQueryError ? QUERY_FAILED : e.message.replace(DRIZZLE_QUERY_MESSAGE, QUERY_FAILED);
  // Data exceptions (22…) and integrity violations (23…) quote the offending value in the message.
  if (typeof e.code === 'string' && /^2[23]/.test(e.code)) message = message.replace(/"[^"]*"/g, '"…"');
  const out: Record<string, unknown> = { type: isQueryError ? 'DrizzleQueryError' : e.name, message };
  for (const k of PG_SAFE_FIELDS) if (e[k] !== undefined && (typeof e[k] === 'string' || typeof e[k] === 'number')) out[k] = e[k];
  if (frames) out.stack = frames;
  if (e.cause !== undefined) out.cause = serializeError(e.cause, depth + 1);
  return out;
}

/**
 * An error in one line, for a person to read (the CLI): the messages of serializeError's error and
 * its causes — so a database error says the driver's reason, never the SQL or its parameters.
 */
export function errorSummary(e: unknown): string {
  const parts: string[] = [];
  for (let cur = serializeError(e) as { message?: unknown; cause?: unknown } | undefined; cur && typeof cur === 'object'; cur = cur.cause as typeof cur) {
    if (typeof cur.message === 'string' && cur.message && !parts.includes(cur.message)) parts.push(cur.message);
  }
  return parts.join(': ').replace(/\s*\n\s*/g, ' ') || 'unknown error';
}

// Written to stdout in batches: lines collect in a buffer that goes out when it holds 8 KiB or,
// at the latest, FLUSH_MS after — one write(2) for many lines instead of one per line (a CPU
// profile of the web server under load put ~8% of its CPU in the per-request line's write). pino
// flushes the buffer synchronously when the process exits; a SIGKILL loses at most FLUSH_MS of lines.
const FLUSH_MS = 50;
const destination = pino.destination({ dest: 1, sync: false, minLength: 8192 });
const buffered = destination as unknown as { _len?: number; flush: () => void };
setInterval(() => {
  if (buffered._len !== 0) buffered.flush();
}, FLUSH_MS).unref();

// Structured JSON logs, one object a line. Secrets are redacted wherever they might be attached to a
// log object; request logs carry method, route, status, duration and actor id, never headers.
export const log = pino({
  level: logLevelFromEnv(),
  base: { service: process.env.WR_SERVICE || 'workflow-resumer', pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
  serializers: { err: (v: unknown) => serializeError(v) },
  mixin: () => {
    const ctx = contextStore.getStore();
    return ctx ? { requestId: ctx.requestId } : {};
  },
  redact: {
    paths: [
      'password',
      '*.password',
      'token',
      '*.token',
      'secret',
      '*.secret',
      'authorization',
      '*.authorization',
      'cookie',
      '*.cookie',
      'headers.authorization',
      'headers.cookie',
      '*.headers.authorization',
      '*.headers.cookie',
    ],
    censor: '[redacted]',
  },
}, destination);

export type Logger = typeof log;

const LEVEL_METHODS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);
export type LogRecord = { level: string; obj: Record<string, unknown>; msg: string | undefined };

/**
 * A logger that also hands every record it is given to `onRecord` — whatever the log level lets
 * through (the worker turns its cycle records into metrics even with LOG_LEVEL=warn).
 */
export function tapLogger(logger: Logger, onRecord: (r: LogRecord) => void): Logger {
  return new Proxy(logger, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (typeof prop === 'string' && LEVEL_METHODS.has(prop)) {
        return (...args: unknown[]) => {
          const [first, second] = args;
          const obj = first && typeof first === 'object' ? (first as Record<string, unknown>) : {};
          const msg = typeof first === 'string' ? first : typeof second === 'string' ? second : undefined;
          try {
            onRecord({ level: prop, obj, msg });
          } catch {
            // a tap must never break logging
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}
