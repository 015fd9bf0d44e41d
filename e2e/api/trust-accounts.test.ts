/**
 * Issue 10, accounts and hardening (items 3, 4, 5, 6, 12, 13, 14), over real HTTP on real
 * PostgreSQL: production web servers (`next start`), the CLI and `npm start` as people run them.
 * Every case here failed on the code before the issue was fixed.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '@/lib/core/access/api-tokens';
import { ROLE_PERMISSIONS } from '@/lib/core/access/permissions';
import { createUser, verifyUserCredentials } from '@/lib/core/access/users';
import { LIMITS } from '@/lib/auth/sign-in-throttle';
import { HSTS, STATIC_SECURITY_HEADERS } from '@/lib/security-headers';
import { createDb, type Db } from '@/lib/db/client';
import { freePort } from '@/lib/bin/support/ports';
import { BASE_URL, isolatedDatabase, testDb, uid } from '../helpers/env';
import { api } from '../helpers/http';
import { startWebServer, type WebServer } from '../helpers/web-server';
import { eventually, meStatus, sessionFor, signInHttp, signOutHttp } from '../helpers/sign-in';
import { type ChildResult, runNode, runTs } from '../helpers/processes';

const TEST_DB = process.env.TEST_DATABASE_URL!;
const cli = (args: string[], input?: string): Promise<ChildResult> => runTs('lib/bin/cli.ts', args, { env: { DATABASE_URL: TEST_DB }, input, timeoutMs: 120_000 });

async function makeUser(role: 'admin' | 'operator' | 'approver' | 'viewer', db: Db = testDb()) {
  const email = `${uid(role)}@example.com`;
  const password = `pw-${randomBytes(6).toString('hex')}`;
  await createUser(db, { email, role, password });
  return { email, password };
}

// ───────────────────────────── item 3 and 4: accounts and sessions ─────────────────────────────

// Several CLI processes and sign-ins per case: minutes on a busy machine, seconds on a quiet one.
describe('accounts and sessions (items 3, 4)', { timeout: 300_000 }, () => {
  let second: WebServer;
  const both = () => [BASE_URL, second.baseUrl];

  beforeAll(async () => {
    // A second web instance on the same database: changes must reach every instance.
    second = await startWebServer(TEST_DB);
  });
  afterAll(async () => {
    await second?.stop();
  });

  it('user create and user passwd read the password from standard input, never from an argument', async () => {
    const email = `${uid('cli')}@example.com`;
    const created = await cli(['user', 'create', '--email', email, '--role', 'approver', '--name', 'Stdin Person'], 'first-password-1\n');
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(await verifyUserCredentials(testDb(), email, 'first-password-1')).toMatchObject({ id: email, role: 'approver' });

    const listed = await cli(['user', 'list']);
    expect(listed.code).toBe(0);
    const line = listed.stdout.split('\n').find((l) => l.startsWith(`${email} `));
    expect(line).toMatch(/ approver {2}active {2}Stdin Person {2}created /);
    expect(listed.stdout).not.toMatch(/scrypt\$/);

    const session = await sessionFor(email, 'first-password-1');
    const changed = await cli(['user', 'passwd', '--email', email], 'second-password-2\n');
    expect(changed.stderr).toBe('');
    expect(changed.code).toBe(0);
    expect(changed.stdout).toContain('sessions ended');
    expect(await verifyUserCredentials(testDb(), email, 'first-password-1')).toBeNull();
    expect(await verifyUserCredentials(testDb(), email, 'second-password-2')).not.toBeNull();
    // The session signed in with the old password has ended, on every instance.
    for (const base of both()) expect(await eventually(() => meStatus(session, base), 401)).toBe(401);
    // A too-short password and an unknown user: one line, exit 1, nothing changed.
    const short = await cli(['user', 'passwd', '--email', email], 'short\n');
    expect(short.code).toBe(1);
    expect(short.stderr.trim()).toBe('error: password must be at least 8 characters');
    const unknown = await cli(['user', 'disable', '--email', 'nobody-here@example.com']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('error: no user nobody-here@example.com');
  });

  it('a disabled user cannot sign in, and their sessions and bound tokens stop working on every instance', async () => {
    const u = await makeUser('operator');
    const token = (await createApiToken(testDb(), { name: uid('bound'), permissions: [...ROLE_PERMISSIONS.operator], userEmail: u.email })).token;
    const sessions = [await sessionFor(u.email, u.password), await sessionFor(u.email, u.password, { baseUrl: second.baseUrl })];
    for (const base of both()) {
      expect((await api(token, base).get('/api/v1/me')).status).toBe(200);
      for (const s of sessions) expect(await meStatus(s, base)).toBe(200);
    }

    const disabled = await cli(['user', 'disable', '--email', u.email]);
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toContain(`disabled user ${u.email}`);
    for (const base of both()) {
      for (const s of sessions) expect(await eventually(() => meStatus(s, base), 401)).toBe(401);
      const me = await eventually(async () => (await api(token, base).get('/api/v1/me')).status, 401);
      expect(me).toBe(401);
      const refused = await signInHttp(u.email, u.password, { baseUrl: base });
      expect(refused.sessionCookie).toBeNull();
      expect(refused.error).toBe('AccountDisabled');
    }
    expect((await cli(['user', 'list'])).stdout.split('\n').find((l) => l.startsWith(`${u.email} `))).toContain('disabled');

    // Enabled again: the token works and sign-in works; the old sessions stay ended.
    expect((await cli(['user', 'enable', '--email', u.email])).code).toBe(0);
    for (const base of both()) {
      expect(await eventually(async () => (await api(token, base).get('/api/v1/me')).status, 200)).toBe(200);
      for (const s of sessions) expect(await meStatus(s, base)).toBe(401);
    }
    expect(await meStatus(await sessionFor(u.email, u.password))).toBe(200);
  });

  it('sign-out ends the session on the server: a cookie copied before sign-out gets 401 afterwards', async () => {
    const u = await makeUser('viewer');
    const session = await sessionFor(u.email, u.password);
    const copy = session;
    for (const base of both()) expect(await meStatus(copy, base)).toBe(200);
    expect(await signOutHttp(session)).toBe(200);
    for (const base of both()) {
      expect(await eventually(() => meStatus(copy, base), 401)).toBe(401);
      const res = await api(undefined, base).get('/api/v1/me');
      expect(res.status).toBe(401);
    }
    // next-auth's own session endpoint does not revive it either.
    const s = await fetch(`${BASE_URL}/api/auth/session`, { headers: { cookie: copy } });
    expect(await s.json()).toEqual({});
    // Signing in again gives a new, working session.
    expect(await meStatus(await sessionFor(u.email, u.password))).toBe(200);
  });
});

/** Runs `npm start`'s entry point until its banner, checks the web server answers, then stops it with Ctrl-C. */
async function launchCollect(databaseUrl: string, args: string[], env: Record<string, string | undefined>) {
  const port = await freePort();
  let out = '';
  let healthy = false;
  const r = await runNode(['--import', 'tsx', 'lib/bin/start.ts', ...args], {
    env: { DATABASE_URL: databaseUrl, PORT: String(port), NEXTAUTH_URL: undefined, NEXTAUTH_SECRET: undefined, LOG_LEVEL: 'warn', ...env },
    timeoutMs: 150_000,
    onStdout: (chunk, child) => {
      const before = out;
      out += chunk;
      if (!/Stop with Ctrl-C/.test(before) && /Stop with Ctrl-C/.test(out)) {
        void fetch(`http://127.0.0.1:${port}/api/v1/health`)
          .then((res) => (healthy = res.ok))
          .catch(() => undefined)
          .finally(() => child.kill('SIGINT'));
      }
    },
  });
  return { ...r, healthy };
}

describe('npm start (items 3, 13, 14)', { timeout: 300_000 }, () => {
  let withPassword: (url: string) => string;
  const created: { close: () => Promise<void> }[] = [];

  beforeAll(() => {
    // The launcher must print the database it uses without its password: give it one to hide
    // (a server with trust authentication ignores it).
    withPassword = (url) => {
      const u = new URL(url);
      if (!u.password) u.password = `pw-${randomBytes(6).toString('hex')}`;
      return u.toString();
    };
  });
  afterAll(async () => {
    for (const d of created) await d.close();
  });

  async function emptyDatabase() {
    const d = await isolatedDatabase();
    created.push(d);
    return withPassword(d.url);
  }

  async function userCount(url: string): Promise<number> {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return Number((await c.query<{ n: string }>('select count(*) as n from users')).rows[0]!.n);
    } finally {
      await c.end();
    }
  }

  it('with DATABASE_URL and NODE_ENV=production: no demo users, no demo logins printed, the password masked; the web server gets a session secret', async () => {
    const url = await emptyDatabase();
    const password = new URL(url).password;
    const r = await launchCollect(url, [], { NODE_ENV: 'production' });
    expect(r.stdout).toContain('Workflow Resumer is running at');
    expect(r.stdout).not.toContain('demo-pass');
    expect(r.stdout).not.toContain('Demo logins');
    expect(r.stdout).toContain('No users yet');
    expect(`${r.stdout}\n${r.stderr}`).not.toContain(`:${password}@`);
    expect(r.stdout).toContain(`Database: ${url.replace(`:${password}@`, ':***@')}`);
    expect(r.healthy).toBe(true); // the web server started without NEXTAUTH_SECRET given: the launcher supplied one
    expect(await userCount(url)).toBe(0);
  });

  it('--demo is refused with NODE_ENV=production, and seeds nothing', async () => {
    const url = await emptyDatabase();
    const r = await launchCollect(url, ['--demo'], { NODE_ENV: 'production' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--demo is refused with NODE_ENV=production');
    expect(await userCount(url)).toBe(0);
  });

  it('--demo seeds the demo users and prints their logins', async () => {
    const url = await emptyDatabase();
    const r = await launchCollect(url, ['--demo'], { NODE_ENV: 'development' });
    expect(r.stdout).toContain('Demo logins');
    expect(r.stdout).toContain('admin@example.com');
    expect(await userCount(url)).toBe(5);
  });
});

// ───────────────────────────────── item 5: sign-in throttling ─────────────────────────────────

describe('sign-in throttling (item 5)', { timeout: 300_000 }, () => {
  // Two web instances on one database of their own, both behind a "proxy" on loopback: the tests
  // choose each attempt's address with X-Forwarded-For, as a proxy in front would set it.
  let dbh: Awaited<ReturnType<typeof isolatedDatabase>>;
  let handle: ReturnType<typeof createDb>;
  let one: WebServer;
  let two: WebServer;
  let victim: { email: string; password: string };

  beforeAll(async () => {
    dbh = await isolatedDatabase();
    handle = createDb(dbh.url, 3);
    [one, two] = await Promise.all([startWebServer(dbh.url, { TRUSTED_PROXIES: 'loopback' }), startWebServer(dbh.url, { TRUSTED_PROXIES: 'loopback' })]);
    victim = await makeUser('approver', handle.db);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([one?.stop(), two?.stop()]);
    await handle?.pool.end();
    await dbh?.close();
  });

  const attempt = (email: string, password: string, forwardedFor: string, server = one) => signInHttp(email, password, { baseUrl: server.baseUrl, forwardedFor });
  const throttled = (r: { error: string | null }) => /^Throttled:\d+$/.test(r.error ?? '');

  it('failures spread over many addresses do not lock the real user out: the right password from a fresh address signs in', async () => {
    for (let i = 1; i <= 20; i++) {
      const r = await attempt(victim.email, `wrong-${i}`, `203.0.113.${i}`);
      expect(r.error).toBe('CredentialsSignin');
    }
    const real = await attempt(victim.email, victim.password, '192.0.2.77');
    expect(real.error).toBeNull();
    expect(real.sessionCookie).not.toBeNull();
  });

  it('while an account is under attack, each address gets fewer tries for it; a fresh address still signs in', async () => {
    // The 20 failures above put the victim's account under attack: 2 failures per address.
    for (let i = 0; i < LIMITS.EMAIL_ADDRESS_UNDER_ATTACK; i++) expect((await attempt(victim.email, 'wrong', '192.0.2.88')).error).toBe('CredentialsSignin');
    expect(throttled(await attempt(victim.email, victim.password, '192.0.2.88'))).toBe(true);
    expect((await attempt(victim.email, victim.password, '192.0.2.89')).sessionCookie).not.toBeNull();
  });

  it('an address that failed too often for an email waits, even with the right password; other addresses do not', async () => {
    const u = await makeUser('viewer', handle.db);
    for (let i = 0; i < LIMITS.EMAIL_ADDRESS; i++) expect((await attempt(u.email, `wrong-${i}`, '192.0.2.10')).error).toBe('CredentialsSignin');
    const locked = await attempt(u.email, u.password, '192.0.2.10');
    expect(locked.sessionCookie).toBeNull();
    expect(throttled(locked)).toBe(true);
    expect(Number(locked.error!.split(':')[1])).toBeGreaterThan(60); // the rest of the 15-minute window
    expect((await attempt(u.email, u.password, '192.0.2.11')).sessionCookie).not.toBeNull();
  });

  it('counts are shared by every web instance (PostgreSQL), not per process', async () => {
    const u = await makeUser('viewer', handle.db);
    for (let i = 0; i < 3; i++) expect((await attempt(u.email, 'wrong', '192.0.2.20', one)).error).toBe('CredentialsSignin');
    for (let i = 0; i < 2; i++) expect((await attempt(u.email, 'wrong', '192.0.2.20', two)).error).toBe('CredentialsSignin');
    expect(throttled(await attempt(u.email, u.password, '192.0.2.20', one))).toBe(true);
    expect(throttled(await attempt(u.email, u.password, '192.0.2.20', two))).toBe(true);
    // What is stored names neither the email nor the address.
    const rows = (await handle.pool.query<{ key: string }>('select key from sign_in_throttle')).rows.map((r) => r.key).join('\n');
    expect(rows).not.toContain(u.email);
    expect(rows).not.toContain('192.0.2.20');
  });

  it('one address failing for many emails is stopped for every email (per-address limit)', async () => {
    const u = await makeUser('viewer', handle.db);
    for (let i = 0; i < LIMITS.ADDRESS; i++) expect((await attempt(`${uid('nobody')}@example.com`, 'guess', '192.0.2.30')).error).toBe('CredentialsSignin');
    expect(throttled(await attempt(u.email, u.password, '192.0.2.30'))).toBe(true);
    expect((await attempt(u.email, u.password, '192.0.2.31')).sessionCookie).not.toBeNull();
  });

  it('a broad attack (global limit) tightens every address; an address that has not failed still signs in', async () => {
    const { rows } = await handle.pool.query<{ points: number }>("select points from sign_in_throttle where key = 'global:all'");
    const missing = LIMITS.GLOBAL - (rows[0]?.points ?? 0);
    // Distinct addresses and emails: no pair or address limit is reached on the way.
    for (let i = 0; i < missing; i++) {
      const r = await attempt(`${uid('spray')}@example.com`, 'guess', `10.${Math.floor(i / 250)}.${i % 250}.9`);
      expect(r.error).toBe('CredentialsSignin');
    }
    const u = await makeUser('viewer', handle.db);
    for (let i = 0; i < LIMITS.EMAIL_ADDRESS_UNDER_ATTACK; i++) expect((await attempt(u.email, 'wrong', '192.0.2.40')).error).toBe('CredentialsSignin');
    expect(throttled(await attempt(u.email, u.password, '192.0.2.40'))).toBe(true);
    expect((await attempt(u.email, u.password, '192.0.2.41')).sessionCookie).not.toBeNull();
  });

  it('X-Forwarded-For is ignored without TRUSTED_PROXIES: changing it does not escape the throttle', async () => {
    // The shared test server has no TRUSTED_PROXIES: every attempt counts for its socket address.
    const u = await makeUser('viewer');
    for (let i = 0; i < LIMITS.EMAIL_ADDRESS; i++) expect((await signInHttp(u.email, 'wrong', { forwardedFor: `203.0.113.${100 + i}` })).error).toBe('CredentialsSignin');
    const r = await signInHttp(u.email, u.password, { forwardedFor: '203.0.113.200' });
    expect(throttled(r)).toBe(true);
    expect(r.sessionCookie).toBeNull();
  });
});

// ─────────────────────── items 5 and 6: what the sign-in page says and where it sends ───────────────────────

describe('the sign-in page and where sign-in sends you (items 5, 6)', () => {
  const page = async (query: string) => (await fetch(`${BASE_URL}/signin?${query}`)).text();
  /** The message the page renders (server-side) in its error box. */
  const shown = async (query: string) => /data-testid="signin-error"[^>]*>([^<]*)</.exec(await page(query))?.[1];
  /** The props the page hands the sign-in form (in the page's React payload). */
  const formProps = (html: string) => /\\"callbackUrl\\":\\"([^\\]*)\\",\\"error\\":(\\"[^\\]*\\"|\\"\$undefined\\")/.exec(html);

  it('shows fixed texts for known error codes and never text from the URL', async () => {
    const bait = 'Too many sign-ins. Call +1-555-0100 to unlock your account';
    const query = `error=${encodeURIComponent(bait)}`;
    expect(await shown(query)).toBe('Sign-in failed. Please try again.');
    // The form is handed a fixed code, not the URL's text (which only stays in the page's own URL).
    expect(formProps(await page(query))?.[2]).toBe('\\"Failed\\"');
    expect(await shown('error=CredentialsSignin')).toBe('Wrong email or password. Check both and try again.');
    expect(await shown('error=Throttled%3A120')).toBe('Too many failed sign-ins. Try again in 2 minutes.');
    expect(await shown('error=AccountDisabled')).toBe('This account is disabled. Ask an administrator to enable it.');
  });

  it.for<[string, string]>([
    ['a tab that browsers drop', '/\t/example.org/pwned'],
    ['a protocol-relative URL', '//example.org/pwned'],
    ['a backslash', '/\\example.org/pwned'],
    ['an absolute URL elsewhere', 'https://example.org/pwned'],
    ['a javascript: URL', 'javascript:alert(1)'],
  ])('a callbackUrl with %s lands on this site’s start page', async ([, callbackUrl]) => {
    const u = await makeUser('viewer');
    const r = await signInHttp(u.email, u.password, { callbackUrl });
    expect(r.sessionCookie).not.toBeNull();
    expect(new URL(r.url).origin).toBe(new URL(BASE_URL).origin);
    expect(new URL(r.url).pathname).toBe('/');
    // The sign-in page hands the form only a same-site path.
    expect(formProps(await page(`callbackUrl=${encodeURIComponent(callbackUrl)}`))?.[1]).toBe('/');
  });

  it('a same-site callbackUrl is kept, with its query', async () => {
    const u = await makeUser('viewer');
    const r = await signInHttp(u.email, u.password, { callbackUrl: '/executions?status=paused' });
    expect(r.url).toBe(`${new URL(BASE_URL).origin}/executions?status=paused`);
  });
});

// ───────────────────────────────── item 12: security headers ─────────────────────────────────

describe('security headers (item 12)', () => {
  const get = (path: string, baseUrl = BASE_URL, init: RequestInit = {}) => fetch(`${baseUrl}${path}`, { redirect: 'manual', ...init });
  const expectCommon = (res: Response, what: string) => {
    expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
    expect(res.headers.get('x-frame-options'), what).toBe('DENY');
    expect(res.headers.get('referrer-policy'), what).toBe('same-origin');
    expect(res.headers.get('permissions-policy'), what).toBe(STATIC_SECURITY_HEADERS['Permissions-Policy']);
    expect(res.headers.get('content-security-policy'), what).toContain("frame-ancestors 'none'");
  };

  it('every page carries a nonce CSP without unsafe-inline scripts, and its scripts carry the nonce', async () => {
    const nonces = new Set<string>();
    for (const path of ['/signin', '/', '/executions', '/ops', '/workflows', '/api-docs', '/no-such-page']) {
      const res = await get(path);
      expectCommon(res, path);
      const csp = res.headers.get('content-security-policy')!;
      const script = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src'))!;
      expect(script, path).toMatch(/^script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'$/);
      const nonce = /'nonce-([^']+)'/.exec(script)![1]!;
      nonces.add(nonce);
      const html = await res.text();
      const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      expect(scripts.length, path).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag, `${path}: ${tag}`).toContain(`nonce="${nonce}"`);
      expect(res.headers.get('strict-transport-security'), path).toBeNull(); // the public URL is http here
    }
    expect(nonces.size).toBe(7); // a fresh nonce per request
  });

  it('API routes, next-auth routes and static files carry them too', async () => {
    for (const path of ['/api/v1/health', '/api/v1/me', '/api/v1/openapi.json', '/api/auth/csrf', '/api/v1/executions/not-a-uuid']) {
      const res = await get(path);
      expectCommon(res, path);
      expect(res.headers.get('content-security-policy'), path).toContain("default-src 'none'");
    }
    const html = await (await get('/signin')).text();
    const asset = /\/_next\/static\/[^"']+\.js/.exec(html)![0];
    const res = await get(asset);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('with an https public URL: HSTS, upgrade-insecure-requests, and Secure session cookies', async () => {
    const https = await startWebServer(TEST_DB, { NEXTAUTH_URL: 'https://console.example.test' });
    try {
      const page = await get('/signin', https.baseUrl);
      expectCommon(page, '/signin');
      expect(page.headers.get('strict-transport-security')).toBe(HSTS);
      // API answers carry it for requests that came over https (as the TLS proxy in front says).
      const viaTls = await get('/api/v1/health', https.baseUrl, { headers: { 'x-forwarded-proto': 'https' } });
      expectCommon(viaTls, '/api/v1/health over https');
      expect(viaTls.headers.get('strict-transport-security')).toBe(HSTS);
      expect((await get('/signin', https.baseUrl)).headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
      const u = await makeUser('viewer');
      const r = await signInHttp(u.email, u.password, { baseUrl: https.baseUrl });
      const cookie = r.setCookies.find((c) => c.startsWith('__Secure-next-auth.session-token='));
      expect(cookie, r.setCookies.join('\n')).toBeDefined();
      expect(cookie).toMatch(/;\s*Secure/i);
      expect(cookie).toMatch(/;\s*HttpOnly/i);
      expect(await meStatus(r.sessionCookie!, https.baseUrl)).toBe(200);
    } finally {
      await https.stop();
    }
  });
});

// ─────────────────────────────── item 13: no secrets in logs ───────────────────────────────

describe('database errors in logs carry no query and no parameters (item 13)', () => {
  let dbh: Awaited<ReturnType<typeof isolatedDatabase>>;
  let handle: ReturnType<typeof createDb>;
  let web: WebServer;
  beforeAll(async () => {
    dbh = await isolatedDatabase();
    handle = createDb(dbh.url, 2);
    web = await startWebServer(dbh.url, { LOG_LEVEL: 'info' });
  }, 120_000);
  afterAll(async () => {
    await web?.stop();
    await handle?.pool.end();
    await dbh?.close();
  });

  /** Breaks a column for the length of `fn` (a deployment gone wrong), then puts it back. */
  async function withRenamed(table: string, column: string, fn: () => Promise<void>) {
    await handle.pool.query(`alter table ${table} rename column ${column} to ${column}_gone`);
    try {
      await fn();
    } finally {
      await handle.pool.query(`alter table ${table} rename column ${column}_gone to ${column}`);
    }
  }

  it('an unhandled database error logs the driver’s error and code, not the SQL, the token hash or the email', async () => {
    const u = await makeUser('admin', handle.db);
    const t = await createApiToken(handle.db, { name: uid('logs'), permissions: ['workflow:read'], userEmail: u.email });
    const { hashToken } = await import('@/lib/core/access/api-tokens');
    const marker = uid('wf-key-param');
    await withRenamed('api_tokens', 'revoked_at', async () => {
      const res = await api(t.token, web.baseUrl).get(`/api/v1/workflows/${marker}`);
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: { code: 'internal', message: 'internal error' } });
    });
    const token2 = (await createApiToken(handle.db, { name: uid('logs2'), permissions: ['workflow:read'] })).token;
    await withRenamed('workflows', 'name', async () => {
      expect((await api(token2, web.baseUrl).get(`/api/v1/workflows/${marker}`)).status).toBe(500);
    });
    // A sign-in whose password check hits the broken column: a fixed code, no email in the URL or log.
    await withRenamed('users', 'password_hash', async () => {
      const r = await signInHttp(u.email, u.password, { baseUrl: web.baseUrl });
      expect(r.error).toBe('Unavailable');
      expect(r.url).not.toContain(encodeURIComponent(u.email));
    });
    await new Promise((r) => setTimeout(r, 300)); // the last log lines
    const out = web.output();
    const lines = out.split('\n').filter((l) => l.includes('"unhandled error"') || l.includes('sign-in failed'));
    expect(lines.length, out.slice(-3000)).toBeGreaterThanOrEqual(3);
    expect(out).toContain('"code":"42703"'); // undefined_column, from the driver
    expect(out).toMatch(/revoked_at[^"]* does not exist/);
    for (const secret of [hashToken(t.token), hashToken(token2), marker, u.email, u.password]) expect(out.includes(secret), secret).toBe(false);
    expect(out).not.toContain('Failed query');
    expect(out).not.toMatch(/select "/i);
    expect(out).not.toContain('params:');
  });
});

// ──────────────────────────── item 14: what production requires ────────────────────────────

describe('production requirements (item 14)', { timeout: 180_000 }, () => {
  it('the web server refuses to start without NEXTAUTH_SECRET (next start and npm run web)', async () => {
    await expect(startWebServer(TEST_DB, { NEXTAUTH_SECRET: '' })).rejects.toThrow(/NEXTAUTH_SECRET is required when NODE_ENV=production/);
    const web = await runTs('lib/bin/web.ts', [], { env: { NODE_ENV: 'production', NEXTAUTH_SECRET: undefined, DATABASE_URL: TEST_DB, PORT: String(await freePort()) } });
    expect(web.code).toBe(1);
    expect(web.stderr).toContain('NEXTAUTH_SECRET is required when NODE_ENV=production');
  });

  it('a worker with WORKER_METRICS_PORT refuses to start without METRICS_TOKEN', async () => {
    const r = await runTs('lib/bin/worker.ts', [], {
      env: { NODE_ENV: 'production', DATABASE_URL: TEST_DB, WORKER_METRICS_PORT: String(await freePort()), METRICS_TOKEN: undefined, WR_SKIP_MIGRATE: '1' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('WORKER_METRICS_PORT: requires METRICS_TOKEN when NODE_ENV=production');
  });

  it('a malformed TRUSTED_PROXIES stops the web server at start, naming it', async () => {
    await expect(startWebServer(TEST_DB, { TRUSTED_PROXIES: 'not-an-address' })).rejects.toThrow(/TRUSTED_PROXIES/);
  });
});
