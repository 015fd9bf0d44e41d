import NextAuth from 'next-auth';
import { authOptions } from '@/lib/auth/auth-options';

export const dynamic = 'force-dynamic';

async function handler(req: Request, ctx: { params: Promise<{ nextauth: string[] }> }) {
  // Built per request so a missing secret fails the request, not the build.
  return (NextAuth(authOptions()) as (r: Request, c: unknown) => Promise<Response>)(req, ctx);
}

export { handler as GET, handler as POST };
