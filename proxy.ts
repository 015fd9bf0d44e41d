import { NextResponse, type NextRequest } from 'next/server';
import { HSTS, STATIC_SECURITY_HEADERS, pageCsp } from './lib/security-headers';

/**
 * Security headers on every page (lib/security-headers.ts says which and why), with a fresh CSP
 * nonce per request, handed to Next.js in the request's CSP header so its scripts carry it. API
 * routes get fixed headers from next.config.mjs instead (no proxy run per API request).
 */
export function proxy(request: NextRequest) {
  const https = (process.env.NEXTAUTH_URL ?? '').startsWith('https://');
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString('base64');
  const csp = pageCsp(nonce, { dev: process.env.NODE_ENV === 'development', https });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('content-security-policy', csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('Content-Security-Policy', csp);
  for (const [name, value] of Object.entries(STATIC_SECURITY_HEADERS)) response.headers.set(name, value);
  if (https) response.headers.set('Strict-Transport-Security', HSTS);
  return response;
}

export const config = {
  matcher: [
    {
      // Pages only: not the API (next.config.mjs) and not the build's static files; nor the
      // router's prefetches (data for a later navigation, not a document, so nothing to protect).
      source: '/((?!api/|_next/static|_next/image).*)',
      missing: [
        { type: 'header', key: 'next-router-prefetch' },
        { type: 'header', key: 'purpose', value: 'prefetch' },
      ],
    },
  ],
};
