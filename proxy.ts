import { NextResponse, type NextRequest } from 'next/server';
import { API_CSP, HSTS, STATIC_SECURITY_HEADERS, pageCsp } from './lib/security-headers';

/**
 * Security headers on every page and route (lib/security-headers.ts says which and why). Pages get
 * a fresh CSP nonce per request, handed to Next.js in the request's CSP header.
 */
export function proxy(request: NextRequest) {
  const https = (process.env.NEXTAUTH_URL ?? '').startsWith('https://');
  const isApi = request.nextUrl.pathname.startsWith('/api/');
  let response: NextResponse;
  let csp: string;
  if (isApi) {
    csp = API_CSP;
    response = NextResponse.next();
  } else {
    const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString('base64');
    csp = pageCsp(nonce, { dev: process.env.NODE_ENV === 'development', https });
    const requestHeaders = new Headers(request.headers);
    requestHeaders.set('content-security-policy', csp);
    response = NextResponse.next({ request: { headers: requestHeaders } });
  }
  response.headers.set('Content-Security-Policy', csp);
  for (const [name, value] of Object.entries(STATIC_SECURITY_HEADERS)) response.headers.set(name, value);
  if (https) response.headers.set('Strict-Transport-Security', HSTS);
  return response;
}

export const config = {
  // Everything but the build's static files (next.config.mjs gives those the static headers).
  matcher: ['/((?!_next/static|_next/image).*)'],
};
