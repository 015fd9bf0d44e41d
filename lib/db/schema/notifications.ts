import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { approvalRequests } from './approvals';
import { workflowExecutions } from './executions';
import type { NotificationKind } from '../../core/notifications/compose';
import type { NotificationChannel, NotificationStatus } from '../../core/notifications/notification-dto';

/** While `until` is ahead, requests assigned to `userEmail` are also assigned to `toEmail`. */
export const delegations = pgTable(
  'delegations',
  {
    userEmail: text('user_email').primaryKey(),
    toEmail: text('to_email').notNull(),
    until: timestamp('until', { withTimezone: true, precision: 3 }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index('idx_delegations_to').on(t.toEmail), check('delegations_not_self', sql`user_email <> to_email`)],
);

/** A link that acts as `recipient` for one request; only the SHA-256 of its token is stored. */
export const decisionLinks = pgTable(
  'decision_links',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    tokenHash: text('token_hash').notNull().unique(),
    approvalId: uuid('approval_id')
      .notNull()
      .references(() => approvalRequests.id, { onDelete: 'cascade' }),
    recipient: text('recipient').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, precision: 3 }),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index('idx_decision_links_approval').on(t.approvalId)],
);

/** The outbox: one message per recipient and channel; its id is the message's stable id. */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    approvalId: uuid('approval_id')
      .notNull()
      .references(() => approvalRequests.id, { onDelete: 'cascade' }),
    executionId: uuid('execution_id')
      .notNull()
      .references(() => workflowExecutions.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<NotificationKind>().notNull(),
    channel: text('channel').$type<NotificationChannel>().notNull(),
    recipient: text('recipient').notNull(),
    status: text('status').$type<NotificationStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, precision: 3 }).notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true, precision: 3 }),
    /** smtp, outbox (kept: no SMTP_URL) or webhook. */
    deliveredVia: text('delivered_via').$type<'smtp' | 'outbox' | 'webhook'>(),
    subject: text('subject').notNull(),
    textBody: text('text_body').notNull(),
    htmlBody: text('html_body'),
    /** The webhook's JSON body. */
    payload: jsonb('payload'),
    linkId: uuid('link_id').references(() => decisionLinks.id, { onDelete: 'set null' }),
    /** The link's token until the message is delivered (then null; kept in outbox mode, where the message is the delivery). */
    linkToken: text('link_token'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('idx_notifications_due').on(t.nextAttemptAt).where(sql`status = 'pending'`),
    index('idx_notifications_approval').on(t.approvalId),
    index('idx_notifications_created').on(t.createdAt, t.id),
  ],
);

export type DelegationRow = typeof delegations.$inferSelect;
export type DecisionLinkRow = typeof decisionLinks.$inferSelect;
export type NotificationRow = typeof notifications.$inferSelect;

/**
 * The columns of a message's delivery status — what the approval DTO shows — without its subject,
 * bodies and payload (kilobytes per mail, read for nothing on every approval page and decision).
 */
export const NOTIFICATION_STATUS_COLUMNS = {
  id: notifications.id,
  approvalId: notifications.approvalId,
  channel: notifications.channel,
  recipient: notifications.recipient,
  kind: notifications.kind,
  status: notifications.status,
  attempts: notifications.attempts,
  lastError: notifications.lastError,
  sentAt: notifications.sentAt,
  deliveredVia: notifications.deliveredVia,
  nextAttemptAt: notifications.nextAttemptAt,
  createdAt: notifications.createdAt,
};
export type NotificationStatusRow = Pick<NotificationRow, keyof typeof NOTIFICATION_STATUS_COLUMNS>;
