/**
 * Throttles failed sign-ins, in process memory (one web process; a restart forgets). Two counters
 * over a sliding window:
 *  - per email + client IP: MAX_PER_EMAIL_IP failures, then that pair waits until the oldest failure
 *    leaves the window;
 *  - per email from any IP: MAX_PER_EMAIL failures, a ceiling for guessing spread over many (or
 *    spoofed) addresses. It caps how long an attacker can lock a known email out: one window.
 * A successful sign-in clears the email+IP counter. Checks happen before the password is verified,
 * so a throttled attempt costs no scrypt work and reveals nothing.
 *
 * The client IP is the right-most X-Forwarded-For entry (what the nearest proxy saw; `next start`
 * fills the header with the socket address when no proxy set it). Without a proxy in front, a
 * client can choose that value, which is why the per-email ceiling exists.
 */
export const THROTTLE_WINDOW_MS = 15 * 60_000;
export const MAX_PER_EMAIL_IP = 5;
export const MAX_PER_EMAIL = 20;
const MAX_KEYS = 50_000;

type Clock = () => number;

export class SignInThrottle {
  private failures = new Map<string, number[]>();

  constructor(
    private readonly opts: { windowMs: number; maxPerEmailIp: number; maxPerEmail: number } = {
      windowMs: THROTTLE_WINDOW_MS,
      maxPerEmailIp: MAX_PER_EMAIL_IP,
      maxPerEmail: MAX_PER_EMAIL,
    },
    private readonly now: Clock = Date.now,
  ) {}

  private recent(key: string): number[] {
    const cutoff = this.now() - this.opts.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  /** Milliseconds to wait before another attempt is allowed; 0 when allowed now. */
  retryAfterMs(email: string, ip: string): number {
    const waits = [
      [this.recent(pairKey(email, ip)), this.opts.maxPerEmailIp],
      [this.recent(emailKey(email)), this.opts.maxPerEmail],
    ] as const;
    let wait = 0;
    for (const [list, max] of waits) {
      if (list.length >= max) {
        // Allowed again once enough failures have aged out of the window.
        const releasing = list[list.length - max]!;
        wait = Math.max(wait, releasing + this.opts.windowMs - this.now());
      }
    }
    return Math.max(0, wait);
  }

  recordFailure(email: string, ip: string): void {
    if (this.failures.size > MAX_KEYS) this.prune();
    const t = this.now();
    for (const key of [pairKey(email, ip), emailKey(email)]) {
      const list = this.recent(key);
      list.push(t);
      this.failures.set(key, list);
    }
  }

  recordSuccess(email: string, ip: string): void {
    this.failures.delete(pairKey(email, ip));
  }

  private prune() {
    for (const key of [...this.failures.keys()]) this.recent(key);
  }
}

const norm = (email: string) => email.trim().toLowerCase();
const pairKey = (email: string, ip: string) => `ip:${ip}|${norm(email)}`;
const emailKey = (email: string) => `email:${norm(email)}`;

/** The client address from request headers (a plain object, as next-auth hands them to authorize). */
export function clientIp(headers: Record<string, string | string[] | undefined> | undefined): string {
  const raw = headers?.['x-forwarded-for'] ?? headers?.['x-real-ip'];
  const value = Array.isArray(raw) ? raw.join(',') : raw;
  const parts = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return parts[parts.length - 1] ?? 'unknown';
}

export function formatRetry(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s} seconds`;
  const m = Math.ceil(s / 60);
  return m === 1 ? '1 minute' : `${m} minutes`;
}

// One throttle per server process (kept on globalThis so dev reloads keep the counts).
const g = globalThis as unknown as { __wrSignInThrottle?: SignInThrottle };
export function signInThrottle(): SignInThrottle {
  g.__wrSignInThrottle ??= new SignInThrottle();
  return g.__wrSignInThrottle;
}
