import { index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * A retried write with the same Idempotency-Key gets the first response back, for IDEMPOTENCY_TTL;
 * the worker deletes expired keys (idx_idempotency_created).
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    actor: text('actor').notNull(),
    key: text('key').notNull(),
    scope: text('scope').notNull(),
    requestHash: text('request_hash').notNull(),
    statusCode: integer('status_code'),
    response: jsonb('response'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.actor, t.key] }), index('idx_idempotency_created').on(t.createdAt)],
);

/** One row per worker process: the console's and ops' view of the worker's health. */
export const workerHeartbeats = pgTable('worker_heartbeats', {
  workerId: text('worker_id').primaryKey(),
  hostname: text('hostname').notNull(),
  pid: integer('pid').notNull(),
  startedAt: timestamp('started_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  lastCycleAt: timestamp('last_cycle_at', { withTimezone: true, precision: 3 }),
  lastCycleMs: integer('last_cycle_ms'),
  intervalMs: integer('interval_ms').notNull(),
  resumed: integer('resumed').notNull().default(0),
  skipped: integer('skipped').notNull().default(0),
  errors: integer('errors').notNull().default(0),
  totals: jsonb('totals'),
});
