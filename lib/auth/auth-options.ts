import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { checkUserPassword, endSessions } from '../core/access/users';
import { getDb } from '../db/client';
import { log } from '../log';
import { authSecret } from './auth-secret';
import { clientAddressFrom } from './client-address';
import { liveSessionUser, sessionVersionOf } from './session-actor';
import { beginSignIn, type SignInGate } from './sign-in-throttle';
import { throttledCode } from './sign-in-messages';

/** The console's public URL is https: cookies are Secure (and __Secure-/__Host- prefixed). */
export function publicUrlIsHttps(): boolean {
  return (process.env.NEXTAUTH_URL ?? '').startsWith('https://');
}

/**
 * A thrown error's message reaches the sign-in page as `?error=` (next-auth's credentials flow), so
 * authorize throws only these codes (lib/auth/sign-in-messages.ts has their texts): never a
 * database error's message, which carries the query and the email.
 */
class SignInRefused extends Error {}

async function authorizeCredentials(email: string, password: string, address: string) {
  let gate: SignInGate;
  try {
    gate = await beginSignIn(email, address);
  } catch (err) {
    log.error({ err }, 'sign-in throttle unavailable');
    throw new SignInRefused('Unavailable');
  }
  if (!gate.allowed) {
    log.info({ address }, 'sign-in throttled');
    throw new SignInRefused(throttledCode(gate.retryAfterMs));
  }
  let user: Awaited<ReturnType<typeof checkUserPassword>>;
  try {
    user = await checkUserPassword(getDb(), email, password);
  } catch (err) {
    log.error({ err }, 'sign-in failed: database error');
    await gate.finish('neutral').catch(() => undefined);
    throw new SignInRefused('Unavailable');
  }
  await gate.finish(!user ? 'failure' : user.disabled ? 'neutral' : 'success').catch((err: unknown) => log.warn({ err }, 'sign-in throttle not updated'));
  if (!user) return null;
  if (user.disabled) throw new SignInRefused('AccountDisabled');
  return { id: user.actor.id, email: user.actor.id, name: user.actor.name, sessionVersion: user.sessionVersion };
}

export function authOptions(): NextAuthOptions {
  return {
    secret: authSecret(),
    session: { strategy: 'jwt', maxAge: 12 * 60 * 60 },
    pages: { signIn: '/signin' },
    useSecureCookies: publicUrlIsHttps(),
    providers: [
      CredentialsProvider({
        name: 'Email and password',
        credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
        async authorize(credentials, req) {
          if (!credentials?.email || !credentials.password) return null;
          return authorizeCredentials(credentials.email.trim().toLowerCase(), credentials.password, clientAddressFrom(req?.headers));
        },
      }),
    ],
    callbacks: {
      /**
       * At sign-in the cookie gets the user's session version; afterwards (next-auth's own
       * /api/auth/session) a session that has ended is refused, which also clears the cookie.
       * The API checks the same on every request (resolveSessionActor).
       */
      async jwt({ token, user }) {
        if (user) return { ...token, sv: (user as { sessionVersion?: number }).sessionVersion ?? 0 };
        if (!(await liveSessionUser(token))) throw new Error('session ended');
        return token;
      },
      /** Only paths on this site: anything else (another host, "/\t/evil.example") goes to the start page. */
      redirect({ url, baseUrl }) {
        try {
          const target = new URL(url, baseUrl);
          if (target.origin === new URL(baseUrl).origin) return target.href;
        } catch {
          // not a URL: the start page
        }
        return baseUrl;
      },
    },
    events: {
      /** Sign-out ends the session on the server too: a copy of the cookie stops working. */
      async signOut({ token }) {
        const version = sessionVersionOf(token);
        if (token?.email && version !== null) await endSessions(getDb(), token.email, version);
      },
    },
    logger: {
      // An ended session met at /api/auth/session is expected (debug); anything else — a sign-out
      // that could not end the session on the server, say — is an error.
      error: (code, metadata) =>
        log[code === 'JWT_SESSION_ERROR' ? 'debug' : 'error']({ code, err: metadata instanceof Error ? metadata : (metadata as { error?: unknown })?.error }, `next-auth: ${code}`),
      warn: (code) => log.warn({ code }, `next-auth: ${code}`),
      debug: (code) => log.debug({ code }, `next-auth: ${code}`),
    },
  };
}
