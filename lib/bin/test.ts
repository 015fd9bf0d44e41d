/**
 * `npm test`: type check, lint, then the whole suite on a real PostgreSQL and a real production
 * server: vitest (unit + integration over HTTP) and Playwright (Chromium).
 *
 * Without DATABASE_URL it starts its own embedded PostgreSQL on a free port in a temporary folder.
 * With DATABASE_URL it creates its own databases (wr_test_<run>…) there and drops them at the end;
 * it never touches other data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ensureBuild } from './support/build';
import { chromiumEnv, resolveChromium } from './support/chromium';
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedDb } from './support/embedded-postgres';
import { formatFailures, playwrightFailures, readFailures, vitestFailures, type Failure } from './support/failure-summary';
import { freePort } from './support/ports';
import { ensureDist, webArgs } from './support/services';

const root = process.cwd();
const say = (m: string) => console.log(`\n[test] ${m}`);
const runId = `wr_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const STEPS = ['typecheck', 'lint', 'vitest', 'playwright'];
// `npm test -- vitest` runs one step; anything else given is a file filter: `*.spec.ts` for
// Playwright, the rest for vitest (`npm test -- vitest e2e/api/tokens.test.ts`,
// `npm test -- playwright e2e/ui/live.spec.ts`).
const only = process.argv.slice(2).filter((a) => STEPS.includes(a));
const filters = process.argv.slice(2).filter((a) => !STEPS.includes(a));
const playwrightFilters = filters.filter((a) => a.endsWith('.spec.ts'));
const vitestFilters = filters.filter((a) => !a.endsWith('.spec.ts'));
const want = (step: string) => only.length === 0 || only.includes(step);

/**
 * Runs a step as a child and waits for it without blocking this process: the embedded PostgreSQL's
 * log pipes are read here (onLog), and a blocked event loop let them fill — PostgreSQL then stalls
 * in write(2), its checkpointer first, and DROP DATABASE waits for a checkpoint forever.
 */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env, cwd: root });
    child.once('error', () => resolve(false));
    child.once('close', (code) => resolve(code === 0));
  });
}

let embedded: EmbeddedDb | null = null;
// The JSON reports behind the failure summary printed last (lib/bin/support/failure-summary.ts).
const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wr-test-reports-'));
const failures: [string, Failure[]][] = [];
let tmpDir: string | null = null;
let server: ChildProcess | null = null;
let adminUrl = '';

async function dropRunDatabases() {
  if (!adminUrl) return;
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const r = await c.query<{ datname: string }>('select datname from pg_database where datname like $1', [`${runId}%`]);
    for (const { datname } of r.rows) await c.query(`drop database if exists ${c.escapeIdentifier(datname)} with (force)`);
  } finally {
    await c.end();
  }
}

async function cleanup() {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
  }
  await dropRunDatabases().catch((e: unknown) => console.error('[test] could not drop test databases:', (e as Error).message));
  if (embedded) await embedded.stop().catch(() => undefined);
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  fs.rmSync(reportDir, { recursive: true, force: true });
}

const results: [string, boolean][] = [];
let exitCode = 0;
try {
  if (want('typecheck')) {
    say('type check (tsc --noEmit)');
    results.push(['typecheck', await run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit'])]);
  }
  if (want('lint')) {
    say('lint (eslint)');
    results.push(['lint', await run(process.execPath, [path.join(root, 'node_modules/eslint/bin/eslint.js'), '.', '--max-warnings=0'])]);
  }

  if (process.env.DATABASE_URL) {
    say('using the PostgreSQL at DATABASE_URL (own databases, dropped afterwards)');
    adminUrl = process.env.DATABASE_URL;
  } else {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wr-test-'));
    fs.chmodSync(tmpDir, 0o755);
    const port = await freePort();
    say(`starting embedded PostgreSQL on port ${port} in ${tmpDir}`);
    embedded = await startEmbeddedPostgres({ dataDir: path.join(tmpDir, 'pg'), port, persistent: false });
    adminUrl = embedded.adminUrl;
  }
  const testDbUrl = await ensureDatabase(adminUrl, runId);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: testDbUrl,
    TEST_DATABASE_URL: testDbUrl,
    TEST_ADMIN_URL: adminUrl,
    TEST_DB_PREFIX: runId,
    NEXTAUTH_SECRET: randomBytes(32).toString('base64url'),
    NEXT_TELEMETRY_DISABLED: '1',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  process.env.DATABASE_URL = testDbUrl;
  const { runMigrations } = await import('../db/migrate');
  await runMigrations(testDbUrl);

  if (want('vitest') || want('playwright')) {
    say('production build');
    ensureBuild(root, say);
    await ensureDist(root, say);
    const port = await freePort();
    env.PORT = String(port);
    env.WR_BASE_URL = `http://127.0.0.1:${port}`;
    env.NEXTAUTH_URL = env.WR_BASE_URL;
    // Keep-alive longer than any client here idles a connection (Node's fetch: 4 s; Playwright's
    // request context reuses connections too): otherwise the server may close a connection just as
    // a client sends its next request on it, which the client sees as "socket hang up".
    server = spawn(process.execPath, webArgs(root, port, { host: '127.0.0.1', keepAliveTimeoutMs: 70_000 }), {
      env: { ...env, WR_SERVICE: 'web' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    let up = false;
    for (let i = 0; i < 300 && !up; i++) {
      try {
        up = (await fetch(`${env.WR_BASE_URL}/api/v1/health`)).ok;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    if (!up) throw new Error('the test server did not come up');
    say(`server up at ${env.WR_BASE_URL}`);
  }

  if (want('vitest')) {
    say('vitest: unit and integration tests');
    const report = path.join(reportDir, 'vitest.json');
    const args = ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...vitestFilters];
    results.push(['vitest', await run(process.execPath, [path.join(root, 'node_modules/vitest/vitest.mjs'), ...args], env)]);
    failures.push(['vitest', readFailures(report, vitestFailures, root)]);
  }
  if (want('playwright')) {
    const browser = await resolveChromium(root);
    say(`playwright: console in Chromium (from ${browser.source}: ${browser.executablePath})`);
    const report = path.join(reportDir, 'playwright.json');
    const pwEnv = { ...env, ...chromiumEnv(browser), WR_PLAYWRIGHT_JSON_REPORT: report };
    results.push(['playwright', await run(process.execPath, [path.join(root, 'node_modules/@playwright/test/cli.js'), 'test', ...playwrightFilters], pwEnv)]);
    failures.push(['playwright', readFailures(report, playwrightFailures, root)]);
  }
} catch (e) {
  console.error(`[test] ${(e as Error).message}`);
  results.push(['setup', false]);
} finally {
  await cleanup();
}

console.log('\n[test] summary');
for (const [name, ok] of results) console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${name}`);
const failed = failures.flatMap(([step, list]) => formatFailures(step, list));
if (failed.length) console.log(['\n[test] failures and flaky tests (the first lines of each; the full output is above)', ...failed].join('\n'));
if (results.some(([, ok]) => !ok)) exitCode = 1;
process.exit(exitCode);
