import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { JsonObject } from '../../core/engine/execute-step';
import { workflowExecutions } from './executions';

export const CALLBACK_STATUSES = ['held', 'consumed', 'expired', 'refused'] as const;
export type CallbackStatus = (typeof CALLBACK_STATUSES)[number];

/**
 * A callback sent to a key no execution waited on yet (migration 0009): held until `expires_at`,
 * consumed exactly once by the first execution that pauses on the key, or marked expired by the worker.
 * Refused: the pause that would have consumed it declares an `input_schema` its resume_data does not match.
 */
export const callbacks = pgTable(
  'callbacks',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    key: text('key').notNull(),
    status: text('status').$type<CallbackStatus>().notNull().default('held'),
    resumeData: jsonb('resume_data').$type<JsonObject>().notNull(),
    sentBy: text('sent_by').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }).notNull(),
    consumedAt: timestamp('consumed_at', { withTimezone: true, precision: 3 }),
    consumedBy: uuid('consumed_by').references(() => workflowExecutions.id, { onDelete: 'set null' }),
    expiredAt: timestamp('expired_at', { withTimezone: true, precision: 3 }),
    refusedReason: text('refused_reason'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('uq_callbacks_held_key').on(t.key).where(sql`status = 'held'`),
    index('idx_callbacks_held_expires').on(t.expiresAt).where(sql`status = 'held'`),
    index('idx_callbacks_status_created').on(t.status, t.createdAt, t.id),
    index('idx_callbacks_created').on(t.createdAt, t.id),
  ],
);

export type CallbackRow = typeof callbacks.$inferSelect;
