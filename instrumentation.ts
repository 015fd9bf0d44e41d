// Next.js calls this once when the server starts: a wrong environment variable stops the web
// server at boot, naming the variable, instead of failing the first request.
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { env } = await import('./lib/env');
  let config: ReturnType<typeof env>;
  try {
    config = env();
  } catch (e) {
    console.error(`[web] ${(e as Error).message}`);
    process.exit(1);
  }
  // Sessions are signed with it: generated per host, every instance would refuse the others'
  // cookies, and a restart would sign everyone out. `npm start` hands its children a local one.
  if (config.NODE_ENV === 'production' && !config.NEXTAUTH_SECRET) {
    const { SECRET_REQUIRED_IN_PRODUCTION } = await import('./lib/auth/auth-secret');
    console.error(`[web] ${SECRET_REQUIRED_IN_PRODUCTION}`);
    process.exit(1);
  }
  // Every request gets its client address worked out from the socket (and TRUSTED_PROXIES).
  const { installClientAddress } = await import('./lib/auth/client-address');
  installClientAddress(config.TRUSTED_PROXIES);
}
