import { createHash } from 'node:crypto';
import { RateLimiterPostgres, type RateLimiterRes } from 'rate-limiter-flexible';
import { getPool } from '../db/client';

/**
 * Failed sign-ins, counted in PostgreSQL (table sign_in_throttle, migration 0004) so every web
 * instance sees the same counts; rate-limiter-flexible's PostgreSQL store does the atomic counting
 * over fixed windows.
 *
 * What is refused depends only on the address an attempt comes from — so failures never lock the
 * real user's correct password out of an address that has not itself failed too often:
 *  - one email from one address: EMAIL_ADDRESS failures per window, then that pair waits;
 *  - one address, any emails: ADDRESS failures per window, then that address waits.
 * What others do only tightens those budgets, to slow an attacker spread over many addresses:
 *  - one email from all addresses over EMAIL failures (that account is under attack): each address
 *    gets EMAIL_ADDRESS_UNDER_ATTACK failures for it per window;
 *  - all sign-ins over GLOBAL failures (a broad attack): every pair gets EMAIL_ADDRESS_UNDER_ATTACK
 *    and every address ADDRESS_UNDER_ATTACK.
 *
 * An attempt reserves its point on the pair and address counters before the password is checked
 * (so a burst of parallel guesses cannot outrun the count) and gets it back unless the password
 * was wrong; a success clears the pair. A refused attempt costs no password check and counts
 * nothing. Keys are SHA-256 hashes: no email or address is stored (people type passwords into the
 * email field).
 */
export const THROTTLE_WINDOW_MS = 15 * 60_000;
export const LIMITS = {
  EMAIL_ADDRESS: 5,
  EMAIL_ADDRESS_UNDER_ATTACK: 2,
  ADDRESS: 30,
  ADDRESS_UNDER_ATTACK: 10,
  EMAIL: 20,
  GLOBAL: 200,
} as const;

export type SignInOutcome = 'success' | 'failure' | 'neutral';
export type SignInGate =
  | { allowed: true; finish(outcome: SignInOutcome): Promise<void> }
  | { allowed: false; retryAfterMs: number };

type Limiters = { pair: RateLimiterPostgres; address: RateLimiterPostgres; email: RateLimiterPostgres; global: RateLimiterPostgres };

const hash = (...parts: string[]) => createHash('sha256').update(parts.join('\n')).digest('hex');
const consumed = (r: RateLimiterRes | null) => r?.consumedPoints ?? 0;

function limiters(): Limiters {
  // The store calls `query` on this: the process's pool, looked up per query (the pool can be replaced).
  const storeClient = { query: (q: unknown) => getPool().query(q as never) };
  const make = (keyPrefix: string) =>
    new RateLimiterPostgres({
      storeClient,
      storeType: 'pool',
      tableName: 'sign_in_throttle',
      tableCreated: true,
      keyPrefix,
      // Only used as the window: budgets are compared by hand (they change under attack).
      points: 1_000_000,
      duration: THROTTLE_WINDOW_MS / 1000,
      // The four share one table: one of them deletes expired rows (every 5 minutes).
      clearExpiredByTimeout: keyPrefix === 'pair',
    });
  return { pair: make('pair'), address: make('address'), email: make('email'), global: make('global') };
}

// One set per server process (on globalThis: Next.js bundles this module into several chunks).
const g = globalThis as unknown as { __wrSignInLimiters?: Limiters };
const get = () => (g.__wrSignInLimiters ??= limiters());

/**
 * Call before checking a password; when allowed, call `finish` with how the check went. The email
 * is compared case-insensitively.
 */
export async function beginSignIn(email: string, address: string): Promise<SignInGate> {
  const l = get();
  const emailKey = hash(email.trim().toLowerCase());
  const pairKey = hash(email.trim().toLowerCase(), address);
  const addressKey = hash(address);
  const [emailCount, globalCount] = await Promise.all([l.email.get(emailKey), l.global.get('all')]);
  const broadAttack = consumed(globalCount) >= LIMITS.GLOBAL;
  const accountAttack = broadAttack || consumed(emailCount) >= LIMITS.EMAIL;
  const pairLimit = accountAttack ? LIMITS.EMAIL_ADDRESS_UNDER_ATTACK : LIMITS.EMAIL_ADDRESS;
  const addressLimit = broadAttack ? LIMITS.ADDRESS_UNDER_ATTACK : LIMITS.ADDRESS;

  const [pair, addr] = await Promise.all([l.pair.penalty(pairKey, 1), l.address.penalty(addressKey, 1)]);
  const refund = () => Promise.all([l.pair.reward(pairKey, 1), l.address.reward(addressKey, 1)]).then(() => undefined);
  const waits = [
    pair.consumedPoints > pairLimit ? pair.msBeforeNext : 0,
    addr.consumedPoints > addressLimit ? addr.msBeforeNext : 0,
  ];
  const retryAfterMs = Math.max(...waits);
  if (retryAfterMs > 0) {
    await refund();
    return { allowed: false, retryAfterMs };
  }
  return {
    allowed: true,
    async finish(outcome) {
      if (outcome === 'failure') {
        await Promise.all([l.email.penalty(emailKey, 1), l.global.penalty('all', 1)]);
      } else if (outcome === 'success') {
        await Promise.all([l.pair.delete(pairKey), l.address.reward(addressKey, 1)]);
      } else {
        await refund();
      }
    },
  };
}
