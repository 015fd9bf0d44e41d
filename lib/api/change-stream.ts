/**
 * GET /api/v1/events: Server-Sent Events telling the console what changed, so open pages refetch
 * within a second instead of polling.
 *
 * One LISTEN connection per web process (lib/db/listen-channel.ts) fans out to every open stream:
 * a thousand open consoles cost one database connection, not a thousand. The database announces
 * the changes itself (the triggers of migrations 0005 and 0010), so changes by the worker, another
 * web process or psql arrive the same way as this process's own.
 *
 * Messages: `event: change` with the trigger's JSON payload (`{"k":"e","id","s"}` an execution,
 * `{"k":"a","id","e","s"}` an approval — decided, voted on or escalated —, `{"k":"e","many":true}` a
 * bulk change, `{"k":"d"}` a delegation set or ended, `{"k":"w"}` a worker heartbeat); `event: status`
 * `{"listening": true|false}` first and whenever the LISTEN connection goes down or comes back —
 * while false nothing is pushed (the console polls), and on true it refetches what it shows, since
 * changes may have gone unannounced; a comment line every HEARTBEAT_MS keeps proxies from closing
 * an idle stream. A stream ends after
 * MAX_STREAM_MS so the browser reconnects and is authenticated again (a revoked token or ended
 * session stops receiving), and when a client reads too slowly.
 */
import { listenChannel, type ChannelListener } from '../db/listen-channel';
import { databaseUrl } from '../db/client';
import { log } from '../log';

export const CHANGE_CHANNEL = 'wr_console_changes';
const HEARTBEAT_MS = 15_000;
const MAX_STREAM_MS = 5 * 60_000;
/** The browser waits this long before reconnecting after a stream ends. */
const RETRY_MS = 1_000;
/** Bytes queued for one client before it counts as stuck and is dropped (it reconnects and resyncs). */
const MAX_QUEUED_BYTES = 256 * 1024;
export const MAX_STREAMS_PER_PROCESS = 2_000;

type Subscriber = { send: (event: string, data: string) => void };

type Hub = { listener: ChannelListener; subscribers: Set<Subscriber> };

// One per process, on globalThis: Next.js bundles this module into more than one route chunk.
const g = globalThis as unknown as { __wrChangeHub?: Hub };

function hub(): Hub {
  if (g.__wrChangeHub) return g.__wrChangeHub;
  const subscribers = new Set<Subscriber>();
  const status = (listening: boolean) => {
    for (const s of subscribers) s.send('status', JSON.stringify({ listening }));
  };
  const listener = listenChannel({
    connectionString: databaseUrl(),
    channel: CHANGE_CHANNEL,
    what: 'console changes',
    log,
    unref: true,
    onNotification: (payload) => {
      for (const s of subscribers) s.send('change', payload);
    },
    onUp: () => status(true),
    onDown: () => status(false),
  });
  return (g.__wrChangeHub = { listener, subscribers });
}

export function openStreamCount(): number {
  return g.__wrChangeHub?.subscribers.size ?? 0;
}

const encoder = new TextEncoder();

/** The SSE response for one client; ends when the client goes away, after MAX_STREAM_MS, or when it falls behind. */
export function changeStreamResponse(signal: AbortSignal): Response {
  const h = hub();
  let cleanup = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const write = (text: string) => {
        if (closed) return;
        if ((controller.desiredSize ?? 0) < -MAX_QUEUED_BYTES) {
          close();
          return;
        }
        controller.enqueue(encoder.encode(text));
      };
      const sub: Subscriber = { send: (event, data) => write(`event: ${event}\ndata: ${data}\n\n`) };
      const heartbeat = setInterval(() => write(': keep-alive\n\n'), HEARTBEAT_MS);
      // A little jitter, so streams opened together do not all reconnect together.
      const lifetime = setTimeout(() => close(), MAX_STREAM_MS + Math.floor(Math.random() * 30_000));
      const close = () => {
        if (closed) return;
        closed = true;
        cleanup();
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      };
      cleanup = () => {
        clearInterval(heartbeat);
        clearTimeout(lifetime);
        h.subscribers.delete(sub);
        signal.removeEventListener('abort', close);
      };
      signal.addEventListener('abort', close);
      h.subscribers.add(sub);
      write(`retry: ${RETRY_MS}\n`);
      sub.send('status', JSON.stringify({ listening: h.listener.up }));
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx and similar proxies buffer responses unless told not to.
      'x-accel-buffering': 'no',
    },
  });
}
