import { listenChannel, type ChannelListener } from '../../db/listen-channel';
import type { Logger } from '../../log';

export type NotifiedCache<V> = {
  get(key: string, nowMs: number): V | undefined;
  /** Call before reading from the database; pass the result to `set`. */
  generation(): number;
  /**
   * Keeps a lookup's result — unless a change was announced (or the listener dropped) since
   * `generation` was taken: the row read may predate it.
   */
  set(key: string, value: V, generation: number, nowMs: number): void;
  /** Stops listening (tests, shutdown). */
  close(): Promise<void>;
};

/**
 * Recently read rows, by key, kept only while every change to them is announced: a trigger NOTIFYs
 * `channel` with the changed row's key (or `*` for "everything") when the change commits, and each
 * process drops the entry at once. The cache is only trusted while the LISTEN connection is up: on
 * a loss everything is dropped and lookups go to the database until it listens again. `ttlMs`
 * bounds an entry's life anyway.
 */
export function createNotifiedCache<V>(opts: {
  connectionString: string;
  channel: string;
  /** What the channel carries, for log lines. */
  what: string;
  log: Logger;
  ttlMs?: number;
  maxEntries?: number;
}): NotifiedCache<V> {
  const ttlMs = opts.ttlMs ?? 30_000;
  const maxEntries = opts.maxEntries ?? 10_000;
  const entries = new Map<string, { value: V; cachedAt: number }>();
  let gen = 0;
  const listener: ChannelListener = listenChannel({
    connectionString: opts.connectionString,
    channel: opts.channel,
    what: opts.what,
    log: opts.log,
    unref: true,
    onNotification: (key) => {
      gen++;
      if (key === '*') entries.clear();
      else entries.delete(key);
    },
    onDown: () => {
      gen++;
      entries.clear();
    },
  });
  return {
    get(key, nowMs) {
      if (!listener.up) return undefined;
      const hit = entries.get(key);
      if (!hit) return undefined;
      if (nowMs - hit.cachedAt > ttlMs) {
        entries.delete(key);
        return undefined;
      }
      return hit.value;
    },
    generation: () => gen,
    set(key, value, generation, nowMs) {
      if (!listener.up || generation !== gen) return;
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(key, { value, cachedAt: nowMs });
    },
    close: () => listener.stop(),
  };
}
