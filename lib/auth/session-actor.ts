import { getToken } from 'next-auth/jwt';
import type { Actor } from '../core/access/permissions';
import { findUserActor } from '../core/access/users';
import { getDb } from '../db/client';
import { authSecret } from './auth-secret';

/** Cookie header → name/value pairs (next-auth's getToken reads `req.cookies`, not the raw header). */
export function parseCookies(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const name = part.slice(0, i).trim();
    if (!name || name in out) continue;
    let value = part.slice(i + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      out[name] = value;
    }
  }
  return out;
}

/**
 * The actor behind a next-auth session cookie, or null when there is no valid session. The user is
 * re-read from the database so a changed role or a deleted user takes effect at once.
 */
export async function resolveSessionActor(req: Request): Promise<Actor | null> {
  const cookie = req.headers.get('cookie');
  if (!cookie || !cookie.includes('next-auth.session-token')) return null;
  const headers = Object.fromEntries(req.headers.entries());
  const token = await getToken({ req: { headers, cookies: parseCookies(cookie) } as never, secret: authSecret() });
  const email = token?.email;
  if (!email) return null;
  return findUserActor(getDb(), email);
}
