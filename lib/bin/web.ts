/**
 * `npm run web`: the production web server only. Checks the environment, applies migrations
 * (unless WR_SKIP_MIGRATE=1: then they are a release step, `npm run db:migrate`, and /api/v1/ready
 * answers 503 until they are applied), builds when the sources changed, then runs `next start`.
 *
 * `npm run web -- --build-only` builds (when the sources changed) and exits: the build step of an
 * image, which needs no database. The server started from that image finds the build current.
 */
import { spawn } from 'node:child_process';
import { ensureBuild } from './support/build';
import { webArgs } from './support/services';
import { envOrExit } from '../env';

const root = process.cwd();
if (!process.env.NEXTAUTH_SECRET) {
  // In production every instance needs the same secret: a per-host one would break sessions
  // across instances, so it must be given. Elsewhere, one kept under .data/ is good enough.
  if (process.env.NODE_ENV === 'production') {
    const { SECRET_REQUIRED_IN_PRODUCTION } = await import('../auth/auth-secret');
    console.error(`[web] ${SECRET_REQUIRED_IN_PRODUCTION}`);
    process.exit(1);
  }
  const { localSecret } = await import('./support/local-secret');
  process.env.NEXTAUTH_SECRET = localSecret(root);
  console.log('[web] NEXTAUTH_SECRET is not set: using a local one kept in .data/nextauth-secret (set it in production)');
}
// Every variable is parsed before anything starts: a wrong value stops here, naming it.
const config = envOrExit('web');
if (process.argv.includes('--build-only')) {
  ensureBuild(root);
  process.exit(0);
}
if (!config.DATABASE_URL) {
  console.error('[web] DATABASE_URL is required for npm run web (npm start runs an embedded PostgreSQL for you)');
  process.exit(1);
}
if (!config.WR_SKIP_MIGRATE) {
  const { runMigrations } = await import('../db/migrate');
  await runMigrations(config.DATABASE_URL);
}
ensureBuild(root);
const web = spawn(process.execPath, webArgs(root, config.PORT), {
  stdio: 'inherit',
  env: { ...process.env, WR_SERVICE: process.env.WR_SERVICE || 'web', NEXT_TELEMETRY_DISABLED: '1' },
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => web.kill(sig));
web.on('exit', (code) => process.exit(code ?? 0));
