/**
 * Readiness and start-up checks: /api/v1/ready answers 200 only when the database answers and every
 * migration is applied (so migrations can be a release step), and web, worker and CLI refuse to
 * start on a wrong environment variable, naming it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runMigrations } from '@/lib/db/migrate';
import { freePort } from '@/lib/bin/support/ports';
import { call } from '../helpers/http';
import { runTs } from '../helpers/workflows';

type Web = { url: string; child: ChildProcess; output: () => string };
const started: ChildProcess[] = [];

/** `next start` from the test build against the given database; resolves once it answers HTTP. */
async function startWeb(databaseUrl: string): Promise<Web> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [path.resolve('node_modules/next/dist/bin/next'), 'start', '-p', String(port), '-H', '127.0.0.1'], {
    env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: databaseUrl, PORT: String(port), NEXTAUTH_URL: url, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited (${child.exitCode}):\n${out.slice(-2000)}`);
    try {
      await fetch(`${url}/api/v1/health`);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`next start did not answer:\n${out.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return { url, child, output: () => out };
}

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: process.env.TEST_ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const dropped: string[] = [];
afterAll(async () => {
  for (const c of started) if (c.exitCode === null) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  await withAdmin(async (c) => {
    for (const name of dropped) await c.query(`drop database if exists ${c.escapeIdentifier(name)} with (force)`);
  });
}, 30_000);

describe('GET /api/v1/ready', () => {
  it('is 200 on the test server: database reachable, migrations applied; health stays a plain liveness check', async () => {
    const res = await call('GET', '/api/v1/ready', { headers: { 'x-request-id': 'ready-probe-1' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
    expect(res.headers.get('x-request-id')).toBe('ready-probe-1');
    expect((await call('GET', '/api/v1/health')).status).toBe(200);
  });

  it('is 503 until the release step applies the migrations, then 200 — while health is 200 throughout', async () => {
    const name = `${process.env.TEST_DB_PREFIX}_unmigrated_${randomBytes(3).toString('hex')}`;
    await withAdmin((c) => c.query(`create database ${c.escapeIdentifier(name)}`));
    dropped.push(name);
    const u = new URL(process.env.TEST_ADMIN_URL!);
    u.pathname = `/${name}`;
    const web = await startWeb(u.toString());

    const before = await call('GET', '/api/v1/ready', { baseUrl: web.url });
    expect(before.status).toBe(503);
    expect(before.body).toMatchObject({ status: 'not_ready', checks: { database: 'ok', migrations: 'pending' }, error: { code: 'unavailable' } });
    expect(before.headers.get('retry-after')).toBeTruthy();
    expect((await call('GET', '/api/v1/health', { baseUrl: web.url })).status).toBe(200);

    await runMigrations(u.toString()); // what `npm run db:migrate` does
    const after = await call('GET', '/api/v1/ready', { baseUrl: web.url });
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
  });

  it('is 503 "database unreachable" when the database does not answer', async () => {
    const closedPort = await freePort();
    const web = await startWeb(`postgres://postgres:postgres@127.0.0.1:${closedPort}/nowhere`);
    const res = await call('GET', '/api/v1/ready', { baseUrl: web.url });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'not_ready', checks: { database: 'unreachable', migrations: 'unknown' }, error: { code: 'unavailable' } });
    expect((await call('GET', '/api/v1/health', { baseUrl: web.url })).status).toBe(503);
  });
});

describe('configuration is checked at start', () => {
  const bad = { DATABASE_URL: process.env.TEST_DATABASE_URL, WR_SKIP_MIGRATE: '1' };

  it('the worker stops at once, naming the variable', async () => {
    const r = await runTs('lib/bin/worker.ts', [], { env: { ...bad, WORKER_INTERVAL: 'soon', LOG_LEVEL: 'info' }, timeoutMs: 20_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/WORKER_INTERVAL: expected a number with an optional unit/);
    expect(r.stdout).not.toMatch(/Starting workflow resumer worker/);
  });

  it('the web server stops before migrating or building, naming the variable', async () => {
    const r = await runTs('lib/bin/web.ts', [], { env: { ...bad, PORT: '99999', METRICS_TOKEN: 'short' }, timeoutMs: 20_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/PORT: /);
    expect(r.stderr).toMatch(/METRICS_TOKEN: must be at least 16 characters/);
  });

  it('the CLI stops with one error line naming the variable', async () => {
    const r = await runTs('lib/bin/cli.ts', ['token', 'list'], { env: { ...bad, DATABASE_POOL_SIZE: 'lots' }, timeoutMs: 20_000 });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: invalid environment: DATABASE_POOL_SIZE: /);
  });
});
