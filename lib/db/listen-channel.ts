import pg from 'pg';
import type { Logger } from '../log';

export type ChannelListener = {
  /** True while the LISTEN connection is up: no notification can have been missed since `onUp`. */
  readonly up: boolean;
  stop(): Promise<void>;
};

/**
 * LISTENs on one channel over a connection of its own (outside the pool: a pooled connection would
 * be handed to other queries), reconnecting every `retryMs` after a loss. `onDown` runs as soon as
 * the connection is lost — notifications sent meanwhile are gone — and `onUp` once it listens again,
 * so callers can catch up on what they may have missed.
 */
export function listenChannel(opts: {
  connectionString: string;
  channel: string;
  /** What the channel carries, for log lines ("approval decisions"). */
  what: string;
  log: Logger;
  onNotification: (payload: string) => void;
  onUp?: () => void;
  onDown?: () => void;
  retryMs?: number;
  /** Let the process exit while listening (web servers), instead of keeping it alive (workers stop it explicitly). */
  unref?: boolean;
}): ChannelListener {
  if (!/^[a-z_][a-z0-9_]*$/.test(opts.channel)) throw new Error(`invalid channel name ${opts.channel}`);
  let client: pg.Client | null = null;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | null = null;

  const connect = async () => {
    if (stopped) return;
    const c = new pg.Client({ connectionString: opts.connectionString });
    c.on('notification', (msg) => {
      if (msg.channel === opts.channel && msg.payload !== undefined) opts.onNotification(msg.payload);
    });
    c.on('error', (err) => {
      opts.log.warn({ err: err.message, channel: opts.channel }, `${opts.what} listener lost its connection; reconnecting`);
      scheduleReconnect();
    });
    c.on('end', () => {
      if (!stopped) scheduleReconnect();
    });
    try {
      await c.connect();
      if (opts.unref) (c as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
      await c.query(`LISTEN ${opts.channel}`);
      if (stopped) {
        await c.end().catch(() => undefined);
        return;
      }
      client = c;
      opts.log.debug({ channel: opts.channel }, `listening for ${opts.what}`);
      opts.onUp?.();
    } catch (e) {
      opts.log.warn({ err: (e as Error).message, channel: opts.channel }, `${opts.what} listener could not connect; retrying`);
      c.end().catch(() => undefined);
      scheduleReconnect();
    }
  };

  const scheduleReconnect = () => {
    const wasUp = client !== null;
    const old = client;
    client = null;
    if (wasUp) opts.onDown?.();
    if (stopped || retryTimer) return;
    old?.end().catch(() => undefined);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void connect();
    }, opts.retryMs ?? 1000);
    if (opts.unref) retryTimer.unref();
  };

  void connect();

  return {
    get up() {
      return client !== null;
    },
    async stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
