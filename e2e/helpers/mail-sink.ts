/**
 * Real counterparts for delivery tests: an SMTP server (smtp-server) that parses what it accepts
 * (mailparser), and an HTTP server that records webhook POSTs with their raw bodies.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export type ReceivedMail = { parsed: ParsedMail; raw: string; to: string[]; at: number };

export type MailSink = {
  url: string;
  port: number;
  mails: ReceivedMail[];
  /** Refuse the next n messages with a temporary error (451) before accepting again. */
  refuseNext(n: number): void;
  refused: () => number;
  waitFor(pred: (m: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
};

async function poll<T>(get: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function startMailSink(): Promise<MailSink> {
  const mails: ReceivedMail[] = [];
  let refuse = 0;
  let refusedCount = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (refuse > 0) {
          refuse--;
          refusedCount++;
          const err = new Error('try again later') as Error & { responseCode: number };
          err.responseCode = 451;
          return callback(err);
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw)
          .then((parsed) => {
            mails.push({ parsed, raw, to: session.envelope.rcptTo.map((r) => r.address), at: Date.now() });
            callback();
          })
          .catch((e: Error) => callback(e));
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    mails,
    refuseNext: (n) => (refuse = n),
    refused: () => refusedCount,
    waitFor: (pred, timeoutMs = 15_000) => poll(() => mails.find(pred), timeoutMs, 'a mail'),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type ReceivedHook = { headers: http.IncomingHttpHeaders; raw: string; body: Record<string, unknown> & { type: string; text: string }; at: number };

export type WebhookReceiver = {
  url: string;
  hooks: ReceivedHook[];
  /** Answer the next n POSTs with this status instead of 200. */
  failNext(n: number, status?: number): void;
  waitFor(pred: (h: ReceivedHook) => boolean, timeoutMs?: number): Promise<ReceivedHook>;
  close(): Promise<void>;
};

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const hooks: ReceivedHook[] = [];
  let fail = 0;
  let failStatus = 500;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (fail > 0) {
        fail--;
        res.writeHead(failStatus).end();
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      hooks.push({ headers: req.headers, raw, body: JSON.parse(raw), at: Date.now() });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    hooks,
    failNext: (n, status = 500) => {
      fail = n;
      failStatus = status;
    },
    waitFor: (pred, timeoutMs = 15_000) => poll(() => hooks.find(pred), timeoutMs, 'a webhook'),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The decision link in a mail's text part. */
export function linkIn(mail: ReceivedMail): string {
  const m = /https?:\/\/\S+\/decide\/wrd_[A-Za-z0-9_-]+/.exec(mail.parsed.text ?? '');
  if (!m) throw new Error(`no decision link in:\n${mail.parsed.text}`);
  return m[0];
}
