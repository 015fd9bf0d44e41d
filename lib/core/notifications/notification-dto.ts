import { and, asc, desc, eq, inArray, lt, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../db/client';
import { NOTIFICATION_STATUS_COLUMNS, notifications, type NotificationStatusRow } from '../../db/schema';
import { ZId, ZTimestamp } from '../dto';
import { decodeKeysetCursor, encodeKeysetCursor, PAGE_QUERY, ZNextCursor } from '../pagination';
import { NOTIFICATION_KINDS } from './compose';
import { withLink } from './deliver';

export const NOTIFICATION_STATUSES = ['pending', 'sent', 'failed'] as const;
export const NOTIFICATION_CHANNELS = ['email', 'webhook'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

/** A webhook URL often is its own secret (Slack's are): show where it goes, not the whole of it. */
export function maskRecipient(channel: string, recipient: string): string {
  if (channel !== 'webhook') return recipient;
  try {
    return `${new URL(recipient).origin}/…`;
  } catch {
    return 'webhook';
  }
}

export const ZNotification = z.strictObject({
  id: ZId.meta({ description: 'The stable message id (Message-ID, X-Workflow-Resumer-Delivery) across retries' }),
  channel: z.enum(NOTIFICATION_CHANNELS),
  recipient: z.string().meta({ description: 'An email address, or a webhook’s origin (the rest of its URL may be a secret)' }),
  kind: z.enum(NOTIFICATION_KINDS),
  status: z.enum(NOTIFICATION_STATUSES),
  attempts: z.number().int(),
  last_error: z.string().nullable(),
  sent_at: ZTimestamp.nullable(),
  delivered_via: z.enum(['smtp', 'outbox', 'webhook']).nullable().meta({ description: 'outbox: no SMTP_URL, kept for the console’s Outbox page' }),
  next_attempt_at: ZTimestamp.nullable(),
  created_at: ZTimestamp,
});
export type NotificationDto = z.infer<typeof ZNotification>;

export const ZNotificationList = z.strictObject({
  notifications: z.array(
    ZNotification.extend({
      approval_id: ZId,
      execution_id: ZId,
      subject: z.string(),
      text: z.string().meta({ description: 'The text part as sent; kept mail (no SMTP_URL) still carries its decision link' }),
      html: z.string().nullable(),
      payload: z.unknown().meta({ description: 'A webhook’s JSON body' }),
    }),
  ),
  count: z.number().int(),
  next_cursor: ZNextCursor,
});
export type NotificationListDto = z.infer<typeof ZNotificationList>;

/** Delivery status, as the approval DTO and the console show it. */
export function toNotificationDto(n: NotificationStatusRow) {
  return {
    id: n.id,
    channel: n.channel,
    recipient: maskRecipient(n.channel, n.recipient),
    kind: n.kind,
    status: n.status,
    attempts: n.attempts,
    last_error: n.lastError,
    sent_at: n.sentAt?.toISOString() ?? null,
    delivered_via: n.deliveredVia,
    next_attempt_at: n.status === 'pending' ? n.nextAttemptAt.toISOString() : null,
    created_at: n.createdAt.toISOString(),
  } satisfies NotificationDto;
}

/** The notifications of a page of requests, oldest first: one query for the page. */
export async function notificationsByApproval(db: DbOrTx, approvalIds: readonly string[]): Promise<Map<string, NotificationDto[]>> {
  if (approvalIds.length === 0) return new Map();
  const rows = await db
    .select(NOTIFICATION_STATUS_COLUMNS)
    .from(notifications)
    .where(inArray(notifications.approvalId, [...approvalIds]))
    .orderBy(asc(notifications.createdAt), asc(notifications.id));
  return groupByApproval(rows);
}

/** Messages (oldest first) as DTOs, by request. */
export function groupByApproval(rows: readonly NotificationStatusRow[]): Map<string, NotificationDto[]> {
  const out = new Map<string, NotificationDto[]>();
  for (const r of rows) {
    const list = out.get(r.approvalId) ?? [];
    list.push(toNotificationDto(r));
    out.set(r.approvalId, list);
  }
  return out;
}

export const ZListNotifications = z.strictObject({
  status: z.enum(NOTIFICATION_STATUSES).optional(),
  channel: z.enum(NOTIFICATION_CHANNELS).optional(),
  kind: z.enum(NOTIFICATION_KINDS).optional(),
  ...PAGE_QUERY,
});
export type ListNotificationsInput = z.infer<typeof ZListNotifications>;

/**
 * The outbox, newest first (admins): every message with its text and HTML as sent — and, for mail
 * kept in the outbox (no SMTP_URL), its live decision link: this is the built-in mail catcher.
 */
export async function listNotifications(db: DbOrTx, input: ListNotificationsInput) {
  const where: SQL[] = [];
  if (input.status) where.push(eq(notifications.status, input.status));
  if (input.channel) where.push(eq(notifications.channel, input.channel));
  if (input.kind) where.push(eq(notifications.kind, input.kind));
  if (input.cursor) {
    const { at, id } = decodeKeysetCursor(input.cursor);
    where.push(or(lt(notifications.createdAt, at), and(eq(notifications.createdAt, at), lt(notifications.id, id)))!);
  }
  const rows = await db
    .select()
    .from(notifications)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return {
    notifications: page.map((n) => ({
      ...toNotificationDto(n),
      approval_id: n.approvalId,
      execution_id: n.executionId,
      subject: n.subject,
      text: withLink(n.textBody, n.linkToken),
      html: n.htmlBody ? withLink(n.htmlBody, n.linkToken) : null,
      payload: n.payload,
    })),
    count: page.length,
    next_cursor: rows.length > input.limit && last ? encodeKeysetCursor(last.createdAt, last.id) : null,
  } satisfies NotificationListDto;
}
