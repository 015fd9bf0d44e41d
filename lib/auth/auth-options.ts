import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { verifyUserCredentials } from '../core/access/users';
import { getDb } from '../db/client';
import { authSecret } from './auth-secret';
import { clientIp, formatRetry, signInThrottle } from './sign-in-throttle';

/** The message the sign-in page shows for a throttled attempt starts with this. */
export const THROTTLED_PREFIX = 'Too many failed sign-ins';

export function authOptions(): NextAuthOptions {
  return {
    secret: authSecret(),
    session: { strategy: 'jwt', maxAge: 12 * 60 * 60 },
    pages: { signIn: '/signin' },
    providers: [
      CredentialsProvider({
        name: 'Email and password',
        credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
        async authorize(credentials, req) {
          if (!credentials?.email || !credentials.password) return null;
          const email = credentials.email.trim().toLowerCase();
          const ip = clientIp(req?.headers);
          const throttle = signInThrottle();
          const wait = throttle.retryAfterMs(email, ip);
          // A thrown error's message reaches the sign-in page as `error` (next-auth credentials flow).
          if (wait > 0) throw new Error(`${THROTTLED_PREFIX}. Try again in ${formatRetry(wait)}.`);
          const actor = await verifyUserCredentials(getDb(), email, credentials.password);
          if (!actor) {
            throttle.recordFailure(email, ip);
            return null;
          }
          throttle.recordSuccess(email, ip);
          return { id: actor.id, email: actor.id, name: actor.name };
        },
      }),
    ],
  };
}
