/**
 * Delivery: the worker claims due outbox rows and sends them — mail through nodemailer (SMTP_URL),
 * webhooks as signed POSTs — with retries and exponential backoff. At least once: a row is marked
 * sent only after the server accepted it, so a crash in between sends it again, with the same
 * message id (Message-ID, X-Workflow-Resumer-Delivery) for the receiver to drop the duplicate.
 */
import { createHmac } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import { rowMapper, type Db } from '../../db/client';
import { runStatement } from '../../db/sql';
import { NOTIFICATIONS_CLAIM, NOTIFICATIONS_FAILED, NOTIFICATIONS_SENT } from '../../db/sql/notifications';
import { notifications, type NotificationRow } from '../../db/schema';
import { env } from '../../env';
import type { Logger } from '../../log';
import { LINK_TOKEN_PLACEHOLDER, publicUrl } from './links';

/** A claimed row is someone's for this long; a worker that dies meanwhile leaves it to be retried. */
export const DELIVERY_LEASE_MS = 60_000;
/** After this many failed attempts (about 34 minutes of retries, then up to an hour apart) a message is `failed`. */
export const MAX_DELIVERY_ATTEMPTS = 10;
const SEND_TIMEOUT_MS = 15_000;

/** 2 s, 4 s, 8 s … capped at an hour, each ±20 % so retries of many messages spread out. */
export function retryDelayMs(attempts: number): number {
  const base = Math.min(3_600_000, 2000 * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export const SIGNATURE_HEADER = 'X-Workflow-Resumer-Signature';

/** `sha256=<hex HMAC-SHA256 of the exact body bytes>` with WEBHOOK_SECRET. */
export function signWebhook(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

const fromDriver = rowMapper<NotificationRow>(notifications);


/** The text and HTML of a mail with its decision link filled in. */
export function withLink(text: string, token: string | null): string {
  return text.replaceAll(LINK_TOKEN_PLACEHOLDER, token ?? '(link removed after delivery)');
}

/** An error's message without anything secret: never a connection string, cut short. */
function describe(e: unknown): string {
  const err = e as { message?: string; code?: string; responseCode?: number; cause?: { code?: string; message?: string } };
  let msg = err?.message ?? String(e);
  if (err?.cause?.code || err?.cause?.message) msg += `: ${err.cause.code ?? err.cause.message}`;
  return msg.replace(/\b(smtps?|https?):\/\/[^\s]*/gi, '$1://…').slice(0, 500);
}

let transport: { url: string; t: Transporter } | null = null;
function mailTransport(url: string): Transporter {
  if (transport?.url !== url) {
    transport = {
      url,
      t: nodemailer.createTransport(url, { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: SEND_TIMEOUT_MS }),
    };
  }
  return transport.t;
}

function messageIdHost(): string {
  try {
    return new URL(publicUrl()).hostname || 'workflow-resumer';
  } catch {
    return 'workflow-resumer';
  }
}

/** Sends one message; resolves with how it went out, throws when it did not. */
async function send(n: NotificationRow): Promise<'smtp' | 'outbox' | 'webhook'> {
  const e = env();
  if (n.channel === 'email') {
    if (!e.SMTP_URL) return 'outbox';
    await mailTransport(e.SMTP_URL).sendMail({
      from: e.MAIL_FROM,
      to: n.recipient,
      subject: n.subject,
      text: withLink(n.textBody, n.linkToken),
      html: n.htmlBody ? withLink(n.htmlBody, n.linkToken) : undefined,
      messageId: `<${n.id}@${messageIdHost()}>`,
      headers: { 'X-Workflow-Resumer-Kind': n.kind, 'X-Workflow-Resumer-Approval': n.approvalId },
    });
    return 'smtp';
  }
  if (n.channel === 'webhook') {
    const body = JSON.stringify(n.payload);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'workflow-resumer',
      'X-Workflow-Resumer-Delivery': n.id,
      'X-Workflow-Resumer-Event': n.subject,
    };
    if (e.WEBHOOK_SECRET) headers[SIGNATURE_HEADER] = signWebhook(body, e.WEBHOOK_SECRET);
    const res = await fetch(n.recipient, { method: 'POST', headers, body, signal: AbortSignal.timeout(SEND_TIMEOUT_MS), redirect: 'error' });
    await res.body?.cancel().catch(() => undefined);
    if (!res.ok) throw new Error(`the webhook answered HTTP ${res.status}`);
    return 'webhook';
  }
  throw new Error(`unknown channel ${n.channel}`);
}

export type DeliveryCounts = { claimed: number; sent: number; failed: number; retried: number };

/**
 * Claims up to `batchSize` due messages and sends them side by side: a slow or dead channel costs
 * its own timeout, not the batch's, and never holds a lock or a transaction while it waits.
 */
export async function deliverDueNotifications(db: Db, opts: { batchSize: number; now: () => Date; log: Logger }): Promise<DeliveryCounts> {
  const now = opts.now();
  const claimed = (await runStatement(db, NOTIFICATIONS_CLAIM, [now.toISOString(), opts.batchSize, new Date(now.getTime() + DELIVERY_LEASE_MS).toISOString()])).map(fromDriver);
  const counts: DeliveryCounts = { claimed: claimed.length, sent: 0, failed: 0, retried: 0 };
  await Promise.all(
    claimed.map(async (n) => {
      try {
        const via = await send(n);
        await runStatement(db, NOTIFICATIONS_SENT, [n.id, opts.now().toISOString(), via]);
        counts.sent++;
      } catch (e) {
        const error = describe(e);
        const giveUp = n.attempts >= MAX_DELIVERY_ATTEMPTS;
        const next = new Date(opts.now().getTime() + retryDelayMs(n.attempts));
        await runStatement(db, NOTIFICATIONS_FAILED, [n.id, next.toISOString(), error, MAX_DELIVERY_ATTEMPTS]).catch(() => undefined);
        if (giveUp) counts.failed++;
        else counts.retried++;
        opts.log.warn(
          { notification_id: n.id, channel: n.channel, attempts: n.attempts, err: error, gave_up: giveUp },
          giveUp ? 'Notification failed for good' : 'Notification not delivered; retrying later',
        );
      }
    }),
  );
  return counts;
}
