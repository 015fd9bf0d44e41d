import { getToken, type JWT } from 'next-auth/jwt';
import type { Actor } from '../core/access/permissions';
import { createNotifiedCache, type NotifiedCache } from '../core/access/notified-cache';
import { findSessionUser, USER_CHANGE_CHANNEL, type SessionUser } from '../core/access/users';
import { databaseUrl, getDb } from '../db/client';
import { log } from '../log';
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

// One cache per process, on globalThis: Next.js bundles this module into several route chunks.
const g = globalThis as unknown as { __wrSessionUserCache?: NotifiedCache<SessionUser | null> };
function userCache(): NotifiedCache<SessionUser | null> {
  return (g.__wrSessionUserCache ??= createNotifiedCache<SessionUser | null>({
    connectionString: databaseUrl(),
    channel: USER_CHANGE_CHANNEL,
    what: 'user changes',
    log,
  }));
}

/** The session version a cookie was issued at (set by the jwt callback at sign-in). */
export function sessionVersionOf(token: JWT | null | undefined): number | null {
  const v = (token as { sv?: unknown } | null | undefined)?.sv;
  return typeof v === 'number' && Number.isInteger(v) ? v : null;
}

/**
 * The user a decoded session cookie stands for, or null when that session has ended: the user is
 * gone or disabled, or their session version moved on (sign-out, password change, disable) since
 * the cookie was issued. Users are cached per process and dropped by NOTIFY when they change.
 */
export async function liveSessionUser(token: JWT | null | undefined): Promise<SessionUser | null> {
  const email = token?.email;
  const version = sessionVersionOf(token);
  if (!email || version === null) return null;
  const user = await findSessionUser(getDb(), email, userCache());
  if (!user || user.disabled || user.sessionVersion !== version) return null;
  return user;
}

/** The actor behind a next-auth session cookie, or null when there is no live session. */
export async function resolveSessionActor(req: Request): Promise<Actor | null> {
  const cookie = req.headers.get('cookie');
  if (!cookie || !cookie.includes('next-auth.session-token')) return null;
  const headers = Object.fromEntries(req.headers.entries());
  const token = await getToken({ req: { headers, cookies: parseCookies(cookie) } as never, secret: authSecret() });
  return (await liveSessionUser(token))?.actor ?? null;
}
