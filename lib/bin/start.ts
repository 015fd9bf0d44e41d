/**
 * `npm start`: one command from a fresh clone to a running console.
 *   embedded PostgreSQL (or DATABASE_URL) → migrations once → demo data on first run (embedded
 *   database or `--demo`, never with NODE_ENV=production) → build if needed → web server and worker
 *   as two processes. Ctrl-C stops all of it.
 *
 * Runs as dist/start.js, loaded by `node lib/bin/launch.mjs start` (the npm script): the launcher is
 * this one node process; its children are `next start` and `node dist/worker.js`. It lets go of the
 * database modules it used for the migrations and the demo data once they are done.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import { ensureBuild } from './support/build';
import type { EmbeddedDb } from './support/embedded-postgres';
import { localSecret } from './support/local-secret';
import { maskPassword } from './support/mask-password';
import { freePort } from './support/ports';
import { ensureDist, webArgs, workerArgs } from './support/services';

const root = process.cwd();
const dev = process.argv.includes('--dev');
const demoAsked = process.argv.includes('--demo');
const production = process.env.NODE_ENV === 'production';
const say = (m: string) => console.log(`[start] ${m}`);

let embedded: EmbeddedDb | null = null;
const children: ChildProcess[] = [];
let shuttingDown = false;

async function shutdown(code: number) {
  if (shuttingDown) return;
  shuttingDown = true;
  say('stopping web and worker…');
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
  if (embedded) {
    say('stopping embedded PostgreSQL…');
    await embedded.stop().catch(() => undefined);
  }
  fs.rmSync(path.join(root, '.data', 'database-url'), { force: true });
  say('stopped');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  if (demoAsked && production) throw new Error('--demo is refused with NODE_ENV=production: demo logins have well-known passwords');
  if (!process.env.DATABASE_URL) {
    // Loaded only here: with DATABASE_URL the launcher never loads the embedded server's package.
    const { clearLeftover, ensureDatabase, startEmbeddedPostgres } = await import('./support/embedded-postgres');
    const dataDir = path.join(root, '.data', 'pg');
    // A killed earlier run may still hold the port: stop it before choosing one.
    await clearLeftover(dataDir, say);
    const port = await freePort(Number(process.env.EMBEDDED_PG_PORT ?? 54329));
    say(`starting embedded PostgreSQL on 127.0.0.1:${port} (data in .data/pg)`);
    embedded = await startEmbeddedPostgres({ dataDir, port, persistent: true, log: say });
    process.env.DATABASE_URL = await ensureDatabase(embedded.adminUrl, 'workflow_resumer');
    // `npm run cli` finds the running embedded database through this file.
    fs.writeFileSync(path.join(root, '.data', 'database-url'), process.env.DATABASE_URL);
  } else {
    say('using DATABASE_URL');
  }
  // The web server requires a secret in production; this launcher hands it one kept in .data/.
  const nextauthSecret = process.env.NEXTAUTH_SECRET || localSecret(root);
  const port = Number(process.env.PORT ?? 3000);
  process.env.NEXTAUTH_URL ??= `http://localhost:${port}`;

  // Demo data only where it cannot be mistaken for a real deployment: the embedded database, or
  // when asked for with --demo; never in production.
  const demo = (embedded !== null || demoAsked) && !production;
  if (embedded && production) say('NODE_ENV=production: no demo data');
  // Migrations and demo data run in a child process (dist/setup.js), so this launcher never loads
  // the database code and stays one small process while web and worker run.
  await ensureDist(root, say);
  const setup = spawnSync(process.execPath, [path.join(root, 'dist', 'setup.js')], {
    env: { ...process.env, WR_SETUP_DEMO: demo ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  const resultLine = setup.stdout.split('\n').find((l) => l.startsWith('WR_SETUP_RESULT '));
  process.stdout.write(setup.stdout.split('\n').filter((l) => !l.startsWith('WR_SETUP_RESULT ')).join('\n'));
  if (setup.status !== 0 || !resultLine) throw new Error(`setting up the database failed (exit ${setup.status})`);
  const { seeded, users: userCount, demoUsers } = JSON.parse(resultLine.slice('WR_SETUP_RESULT '.length)) as {
    seeded: boolean;
    users: number;
    demoUsers: { role: string; email: string; password: string }[];
  };
  if (seeded) say('seeded demo users, workflows and executions');

  if (!dev) ensureBuild(root, say);

  const childEnv = { ...process.env, NEXTAUTH_SECRET: nextauthSecret, WR_SKIP_MIGRATE: '1', NEXT_TELEMETRY_DISABLED: '1' };
  const web = spawn(process.execPath, webArgs(root, port, { dev }), { stdio: 'inherit', env: { ...childEnv, WR_SERVICE: 'web' } });
  const worker = spawn(process.execPath, workerArgs(root), { stdio: 'inherit', env: { ...childEnv, WR_SERVICE: 'worker' } });
  children.push(web, worker);
  for (const c of children) {
    c.once('exit', (code, signal) => {
      if (!shuttingDown) {
        say(`a child process exited (code ${code}, signal ${signal}); stopping`);
        void shutdown(code || 1);
      }
    });
  }

  // Wait for the first answer, then print where to go.
  const url = `http://localhost:${port}`;
  for (let i = 0; i < 600 && !shuttingDown; i++) {
    try {
      const r = await fetch(`${url}/api/v1/health`);
      if (r.ok) break;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log(`\n  Workflow Resumer is running at ${url}\n`);
  if (demo) {
    console.log('  Demo logins (seeded on first run):');
    for (const u of demoUsers) console.log(`    ${u.role.padEnd(9)} ${u.email.padEnd(24)} ${u.password}`);
  } else if (userCount === 0) {
    console.log('  No users yet. Create the first one (it asks for the password):');
    console.log('    npm run cli -- user create --email you@example.com --role admin');
  }
  console.log(`\n  Database: ${maskPassword(process.env.DATABASE_URL)}`);
  console.log('  API token: npm run cli -- token create --name my-client --permissions execution:read,execution:create,execution:cancel');
  console.log('  Stop with Ctrl-C.\n');
} catch (e) {
  console.error(`[start] ${e instanceof Error ? e.message : String(e)}`);
  await shutdown(1);
}
