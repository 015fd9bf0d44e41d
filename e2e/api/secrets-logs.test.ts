import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, hashToken, revokeApiToken } from '@/lib/core/access/api-tokens';
import { PERMISSIONS, ROLE_PERMISSIONS } from '@/lib/core/access/permissions';
import { createUser } from '@/lib/core/access/users';
import { createDb, type Db } from '@/lib/db/client';
import { isolatedDatabase, uid } from '../helpers/env';
import { spawnWorker, waitForOutput, type Proc } from '../helpers/processes';
import { startWebServer, type WebServer } from '../helpers/web-server';
import { APPROVAL_FLOW } from '../helpers/workflows';

/**
 * Secrets never reach a log line or a response: API tokens (valid, revoked, unknown, sent with the
 * wrong scheme), passwords (right and wrong sign-ins), the session cookie, the session signing
 * secret and the database password. A web server and a worker of their own run at LOG_LEVEL=debug
 * against a database reached through a role with a random password; everything they print is
 * captured and searched, as is every response (the session cookie only where it is set).
 */
type Seen = { what: string; status: number; headers: string; body: string };

describe('secrets stay out of logs and responses', () => {
  let dbh: Awaited<ReturnType<typeof isolatedDatabase>>;
  let handle: ReturnType<typeof createDb>;
  let db: Db;
  let web: WebServer;
  let worker: Proc;
  const role = `wr_secret_${randomBytes(4).toString('hex')}`;
  const dbPassword = `pw-${randomBytes(12).toString('hex')}`;
  const sessionSecret = `nx-${randomBytes(24).toString('base64url')}`;
  let roleUrl = '';
  const admin = () => new pg.Client({ connectionString: process.env.TEST_ADMIN_URL });

  beforeAll(async () => {
    dbh = await isolatedDatabase();
    const dbName = new URL(dbh.url).pathname.slice(1);
    const a = admin();
    await a.connect();
    await a.query(`create role ${role} login password '${dbPassword}'`);
    await a.query(`grant connect on database ${a.escapeIdentifier(dbName)} to ${role}`);
    await a.end();
    const inDb = new pg.Client({ connectionString: dbh.url });
    await inDb.connect();
    for (const stmt of [
      `grant usage on schema public to ${role}`,
      `grant all on all tables in schema public to ${role}`,
      `grant all on all sequences in schema public to ${role}`,
      `grant usage on schema drizzle to ${role}`,
      `grant select on all tables in schema drizzle to ${role}`,
    ])
      await inDb.query(stmt);
    await inDb.end();
    const u = new URL(dbh.url);
    u.username = role;
    u.password = dbPassword;
    roleUrl = u.toString();
    handle = createDb(dbh.url, 3);
    db = handle.db;
    web = await startWebServer(roleUrl, { LOG_LEVEL: 'debug', NEXTAUTH_SECRET: sessionSecret });
    worker = spawnWorker(roleUrl, { LOG_LEVEL: 'debug', WORKER_INTERVAL: '1s' });
    await waitForOutput(worker, /Paused executions processed/);
  });
  afterAll(async () => {
    await web?.stop();
    if (worker && worker.child.exitCode === null) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    await handle?.pool.end();
    await dbh?.close();
    const a = admin();
    await a.connect();
    await a.query(`drop role if exists ${role}`);
    await a.end();
  });

  it('never prints or returns a token, a password, the session cookie or secret, or the database password', async () => {
    const seen: Seen[] = [];
    const request = async (what: string, path: string, init: RequestInit = {}) => {
      const res = await fetch(`${web.baseUrl}${path}`, { redirect: 'manual', ...init });
      const body = await res.text();
      const headers = [...res.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n');
      seen.push({ what, status: res.status, headers, body });
      return { res, body };
    };
    const bearer = (token: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });

    // People and tokens.
    const password = `Pass-${randomBytes(9).toString('base64url')}`;
    const email = `${uid('secret')}@example.com`;
    await createUser(db, { email, role: 'admin', password });
    const approverPassword = `Pass-${randomBytes(9).toString('base64url')}`;
    const approverEmail = `${uid('secret-approver')}@example.com`;
    await createUser(db, { email: approverEmail, role: 'approver', password: approverPassword });
    const token = (await createApiToken(db, { name: uid('secret-admin'), permissions: [...PERMISSIONS], userEmail: email })).token;
    const approverToken = (await createApiToken(db, { name: uid('secret-approver'), permissions: [...ROLE_PERMISSIONS.approver], userEmail: approverEmail })).token;
    const revoked = await createApiToken(db, { name: uid('secret-revoked'), permissions: ['workflow:read'] });
    await revokeApiToken(db, revoked.name);
    const unknown = `wr_${randomBytes(24).toString('base64url')}`;

    // Use the tokens: reads, writes, refusals, an approval the worker then resumes.
    const key = uid('secret-wf');
    const json = { 'content-type': 'application/json' };
    await request('create workflow', '/api/v1/workflows', { method: 'POST', headers: bearer(token, json), body: JSON.stringify({ key, name: 'Secrets', definition: APPROVAL_FLOW }) });
    const started = await request('start', '/api/v1/executions', { method: 'POST', headers: bearer(token, json), body: JSON.stringify({ workflow_id: key, trigger_payload: { amount: 50_000 } }) });
    const executionId = (JSON.parse(started.body) as { id: string }).id;
    const detail = await request('detail', `/api/v1/executions/${executionId}`, { headers: bearer(token) });
    const approvalId = (JSON.parse(detail.body) as { approvals: { id: string }[] }).approvals[0]!.id;
    await request('approve', `/api/v1/approvals/${approvalId}/approve`, { method: 'POST', headers: bearer(approverToken, { ...json, 'idempotency-key': uid('k') }), body: '{}' });
    await request('list paused', '/api/v1/executions/paused', { headers: bearer(token) });
    await request('list approvals', '/api/v1/approvals?status=approved', { headers: bearer(token) });
    await request('me', '/api/v1/me', { headers: bearer(token) });
    await request('revoked token', '/api/v1/workflows', { headers: bearer(revoked.token) });
    await request('unknown token', '/api/v1/workflows', { headers: bearer(unknown) });
    await request('wrong scheme', '/api/v1/workflows', { headers: { authorization: `Basic ${token}` } });
    await request('token with junk', '/api/v1/workflows', { headers: { authorization: `Bearer ${token} ${password}` } });
    await request('token and a bad body', '/api/v1/workflows', { method: 'POST', headers: bearer(token, json), body: `{"key": "${token}", "name": ` });
    await request('missing permission', `/api/v1/approvals/${approvalId}/approve`, { method: 'POST', headers: bearer(revoked.token, json), body: '{}' });

    // Sign in: a wrong password, then the right one; use the session.
    const csrf = await request('csrf', '/api/auth/csrf');
    const csrfToken = (JSON.parse(csrf.body) as { csrfToken: string }).csrfToken;
    const csrfCookie = (csrf.res.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
    const signIn = (pw: string, what: string) =>
      request(what, '/api/auth/callback/credentials', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
        body: new URLSearchParams({ csrfToken, email, password: pw, callbackUrl: `${web.baseUrl}/`, json: 'true' }).toString(),
      });
    await signIn(`${password}-wrong`, 'sign-in, wrong password');
    await signIn(approverPassword, 'sign-in, another user’s password');
    const ok = await signIn(password, 'sign-in');
    const cookies = ok.res.headers.getSetCookie?.() ?? [];
    const session = cookies.find((c) => c.startsWith('next-auth.session-token='));
    expect(session, `sign-in set a session cookie (status ${ok.res.status})`).toBeDefined();
    const sessionValue = session!.split(';')[0]!.split('=').slice(1).join('=');
    const me = await request('me by session', '/api/v1/me', { headers: { cookie: `${csrfCookie}; next-auth.session-token=${sessionValue}` } });
    expect(JSON.parse(me.body)).toMatchObject({ id: email, kind: 'user' });

    // Let the worker resume the approved execution and log about it.
    const deadline = Date.now() + 15_000;
    let status = 'paused';
    while (status !== 'completed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await handle.pool.query<{ status: string }>('select status from workflow_executions where id = $1', [executionId])).rows[0]!.status;
    }
    expect(status).toBe('completed');
    await new Promise((r) => setTimeout(r, 300)); // the last log lines

    const secrets: [string, string][] = [
      ['admin token', token],
      ['admin token without its public prefix', token.slice(10)],
      ['approver token', approverToken.slice(10)],
      ['revoked token', revoked.token.slice(10)],
      ['unknown token', unknown.slice(10)],
      ['password', password],
      ['approver password', approverPassword],
      ['session cookie', sessionValue],
      ['session secret', sessionSecret],
      ['database password', dbPassword],
    ];
    const logs = { web: web.output(), worker: worker.output() };
    expect(logs.web.length).toBeGreaterThan(0);
    expect(logs.worker).toMatch(/Paused executions processed/);
    for (const [name, value] of secrets) {
      expect(logs.web.includes(value), `${name} in the web server's output`).toBe(false);
      expect(logs.worker.includes(value), `${name} in the worker's output`).toBe(false);
      for (const s of seen) {
        expect(s.body.includes(value), `${name} in the body of "${s.what}"`).toBe(false);
        // The response that sets the session cookie carries it, by definition; no other does.
        const headers = s.what === 'sign-in' && name === 'session cookie' ? s.headers.replace(sessionValue, '') : s.headers;
        expect(headers.includes(value), `${name} in the headers of "${s.what}"`).toBe(false);
      }
    }
    // Stored credentials never come back either.
    const stored = (await handle.pool.query<{ h: string }>('select password_hash as h from users union all select token_hash from api_tokens')).rows.map((r) => r.h);
    expect(stored).toContain(hashToken(token));
    for (const h of stored) for (const s of seen) expect(s.body.includes(h), `a stored hash in "${s.what}"`).toBe(false);
  });
});
