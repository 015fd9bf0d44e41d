import pino from 'pino';

// Structured JSON logs. Secrets are redacted wherever they might be attached to a log object.
export const log = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { service: process.env.WR_SERVICE ?? 'workflow-resumer' },
  redact: {
    paths: ['password', '*.password', 'token', '*.token', 'authorization', '*.authorization', 'headers.authorization', 'headers.cookie'],
    censor: '[redacted]',
  },
});

export type Logger = typeof log;
