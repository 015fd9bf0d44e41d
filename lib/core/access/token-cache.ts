import { listenChannel, type ChannelListener } from '../../db/listen-channel';
import type { Logger } from '../../log';
import type { Actor } from './permissions';

/** Where token and user changes are announced (migration 0002 installs the triggers). */
export const TOKEN_CHANGE_CHANNEL = 'wr_api_tokens';

/** What a successful lookup found, enough to authenticate the token again without the database. */
export type CachedToken = {
  tokenId: string;
  actor: Actor;
  expiresAt: Date | null;
  /** When last_used_at was last written (see authenticateToken). */
  lastUsedAt: Date | null;
  cachedAt: number;
};

export type TokenCache = {
  get(hash: string, nowMs: number): CachedToken | undefined;
  /** Call before reading a token from the database; pass the result to `set`. */
  generation(): number;
  /**
   * Keeps a lookup's result — unless a change was announced (or the listener dropped) since
   * `generation` was taken: the row read may predate it.
   */
  set(hash: string, entry: CachedToken, generation: number): void;
  /** Stops listening (tests, shutdown). */
  close(): Promise<void>;
};

/**
 * Recently authenticated tokens, by hash, so an API request does not cost a token lookup (a round
 * trip, a third of a pause's time) each time.
 *
 * Revocation is still immediate: a trigger NOTIFYs every change of a token row (revoked, expiry
 * moved, deleted) and of a user, and each process drops the entry when the change commits. The
 * cache is only trusted while the LISTEN connection is up: on a loss everything is dropped and
 * lookups go to the database until it listens again. `ttlMs` bounds an entry's life anyway. Only
 * successful lookups are kept: unknown, revoked and expired tokens are checked every time.
 */
export function createTokenCache(opts: { connectionString: string; log: Logger; ttlMs?: number; maxEntries?: number }): TokenCache {
  const ttlMs = opts.ttlMs ?? 30_000;
  const maxEntries = opts.maxEntries ?? 10_000;
  const entries = new Map<string, CachedToken>();
  let gen = 0;
  const listener: ChannelListener = listenChannel({
    connectionString: opts.connectionString,
    channel: TOKEN_CHANGE_CHANNEL,
    what: 'API token changes',
    log: opts.log,
    unref: true,
    onNotification: (hash) => {
      gen++;
      if (hash === '*') entries.clear();
      else entries.delete(hash);
    },
    onDown: () => {
      gen++;
      entries.clear();
    },
  });
  return {
    get(hash, nowMs) {
      if (!listener.up) return undefined;
      const hit = entries.get(hash);
      if (!hit) return undefined;
      if (nowMs - hit.cachedAt > ttlMs) {
        entries.delete(hash);
        return undefined;
      }
      return hit;
    },
    generation: () => gen,
    set(hash, entry, generation) {
      if (!listener.up || generation !== gen) return;
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(hash, entry);
    },
    close: () => listener.stop(),
  };
}
