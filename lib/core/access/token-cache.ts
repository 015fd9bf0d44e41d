import type { Logger } from '../../log';
import { createNotifiedCache } from './notified-cache';
import type { Actor } from './permissions';

/** Where token and user changes are announced (migrations 0002 and 0004 install the triggers). */
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
 * moved, deleted) and of a user that tokens act for (role, disabled, deleted), and each process
 * drops the entry when the change commits (see notified-cache.ts). Only successful lookups are kept:
 * unknown, revoked and expired tokens, and tokens of disabled users, are checked every time.
 */
export function createTokenCache(opts: { connectionString: string; log: Logger; ttlMs?: number; maxEntries?: number }): TokenCache {
  const cache = createNotifiedCache<CachedToken>({ ...opts, channel: TOKEN_CHANGE_CHANNEL, what: 'API token changes' });
  return {
    get: (hash, nowMs) => cache.get(hash, nowMs),
    generation: () => cache.generation(),
    set: (hash, entry, generation) => cache.set(hash, entry, generation, entry.cachedAt),
    close: () => cache.close(),
  };
}
