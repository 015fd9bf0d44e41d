import { getToken } from 'next-auth/jwt';
import type { Actor } from '../core/access/permissions';
import { findUserActor } from '../core/access/users';
import { getDb } from '../db/client';
import { authSecret } from './auth-secret';

/**
 * The actor behind a next-auth session cookie, or null when there is no valid session. The user is
 * re-read from the database so a changed role or a deleted user takes effect at once.
 */
export async function resolveSessionActor(req: Request): Promise<Actor | null> {
  const cookie = req.headers.get('cookie');
  if (!cookie || !cookie.includes('next-auth.session-token')) return null;
  const headers = Object.fromEntries(req.headers.entries());
  const token = await getToken({ req: { headers } as never, secret: authSecret() });
  const email = token?.email;
  if (!email) return null;
  return findUserActor(getDb(), email);
}
