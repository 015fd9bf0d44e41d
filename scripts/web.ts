/** `npm run web`: the production web server only (migrations first; builds when sources changed). */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ensureBuild } from './lib/build';

const root = process.cwd();
if (!process.env.DATABASE_URL) {
  console.error('DATABASE_URL is required for npm run web (npm start runs an embedded PostgreSQL for you)');
  process.exit(1);
}
if (!process.env.NEXTAUTH_SECRET) {
  const { localSecret } = await import('./lib/local-secret');
  process.env.NEXTAUTH_SECRET = localSecret(root);
}
const { runMigrations } = await import('../lib/db/migrate');
await runMigrations(process.env.DATABASE_URL);
ensureBuild(root);
const web = spawn(process.execPath, [path.join(root, 'node_modules/next/dist/bin/next'), 'start', '-p', process.env.PORT ?? '3000'], {
  stdio: 'inherit',
  env: { ...process.env, WR_SERVICE: 'web', NEXT_TELEMETRY_DISABLED: '1' },
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => web.kill(sig));
web.on('exit', (code) => process.exit(code ?? 0));
