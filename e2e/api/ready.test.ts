/**
 * Readiness and start-up checks: /api/v1/ready answers 200 only when the database answers and every
 * migration is applied (so migrations can be a release step), and web, worker and CLI refuse to
 * start on a wrong environment variable, naming it.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runMigrations } from '@/lib/db/migrate';
import { freePort } from '@/lib/bin/support/ports';
import { call } from '../helpers/http';
import { startWebServer, type WebServer } from '../helpers/web-server';
import { runTs } from '../helpers/processes';


async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: process.env.TEST_ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const started: WebServer[] = [];
const dropped: string[] = [];
afterAll(async () => {
  await Promise.all(started.map((w) => w.stop()));
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
    const web = await startWebServer(u.toString(), { LOG_LEVEL: 'error' }, { waitFor: 'answer' });
    started.push(web);

    const before = await call('GET', '/api/v1/ready', { baseUrl: web.baseUrl });
    expect(before.status).toBe(503);
    expect(before.body).toMatchObject({ status: 'not_ready', checks: { database: 'ok', migrations: 'pending' }, error: { code: 'unavailable' } });
    expect(before.headers.get('retry-after')).toBeTruthy();
    expect((await call('GET', '/api/v1/health', { baseUrl: web.baseUrl })).status).toBe(200);

    await runMigrations(u.toString()); // what `npm run db:migrate` does
    const after = await call('GET', '/api/v1/ready', { baseUrl: web.baseUrl });
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
  });

  it('is 503 "database unreachable" when the database does not answer', async () => {
    const closedPort = await freePort();
    const web = await startWebServer(`postgres://postgres:postgres@127.0.0.1:${closedPort}/nowhere`, { LOG_LEVEL: 'error' }, { waitFor: 'answer' });
    started.push(web);
    const res = await call('GET', '/api/v1/ready', { baseUrl: web.baseUrl });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'not_ready', checks: { database: 'unreachable', migrations: 'unknown' }, error: { code: 'unavailable' } });
    expect((await call('GET', '/api/v1/health', { baseUrl: web.baseUrl })).status).toBe(503);
  });
});

describe('configuration is checked at start', () => {
  const bad = { DATABASE_URL: process.env.TEST_DATABASE_URL, WR_SKIP_MIGRATE: '1' };

  it('the worker stops at once, naming the variable', async () => {
    const r = await runTs('lib/bin/worker.ts', [], { env: { ...bad, WORKER_INTERVAL: 'soon', LOG_LEVEL: 'info' }, timeoutMs: 20_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/WORKER_INTERVAL: expected an ISO 8601 duration like "PT1H", a number of seconds, or a number with a unit/);
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
