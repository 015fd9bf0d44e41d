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

export function currentLogContext(): LogContext | undefined {
  return contextStore.getStore();
}

// Structured JSON logs, one object a line. Secrets are redacted wherever they might be attached to a
// log object; request logs carry method, route, status, duration and actor id, never headers.
export const log = pino({
  level: logLevelFromEnv(),
  base: { service: process.env.WR_SERVICE || 'workflow-resumer', pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
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
});

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
