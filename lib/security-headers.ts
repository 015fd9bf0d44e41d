/**
 * The security headers every page carries (proxy.ts sets them per request). API routes and the
 * build's static files get the same fixed ones from next.config.mjs.
 *
 * Pages get a Content-Security-Policy whose scripts must carry this request's nonce: Next.js reads
 * the nonce from the request's CSP header and puts it on its own scripts, so the console runs and an
 * injected <script> does not. Styles allow 'unsafe-inline' (React's style attributes need it; CSS
 * cannot run code). API answers are JSON: a CSP that allows nothing at all.
 */
export const STATIC_SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  // Paths can carry secrets (a decision link's token): never sent to another site.
  'Referrer-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

export function pageCsp(nonce: string, opts: { dev: boolean; https: boolean }): string {
  return [
    "default-src 'self'",
    // 'strict-dynamic': scripts loaded by a nonce-carrying script run too (Next.js loads its chunks so).
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${opts.dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(opts.https ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
}

/** Only when the console's public URL (NEXTAUTH_URL) is https: browsers then refuse plain http for a year. */
export const HSTS = 'max-age=31536000; includeSubDomains';
