import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** True when the Authorization header is `Bearer <expected>` (compared in constant time). */
export function bearerMatches(header: string | null, expected: string | undefined): boolean {
  if (!header || !expected) return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) return false;
  return timingSafeEqual(digest(m[1]!), digest(expected));
}
