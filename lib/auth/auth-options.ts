import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { verifyUserCredentials } from '../core/access/users';
import { getDb } from '../db/client';
import { authSecret } from './auth-secret';

export function authOptions(): NextAuthOptions {
  return {
    secret: authSecret(),
    session: { strategy: 'jwt', maxAge: 12 * 60 * 60 },
    pages: { signIn: '/signin' },
    providers: [
      CredentialsProvider({
        name: 'Email and password',
        credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
        async authorize(credentials) {
          if (!credentials?.email || !credentials.password) return null;
          const actor = await verifyUserCredentials(getDb(), credentials.email, credentials.password);
          if (!actor) return null;
          return { id: actor.id, email: actor.id, name: actor.name };
        },
      }),
    ],
  };
}
