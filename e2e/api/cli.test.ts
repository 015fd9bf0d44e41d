import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { hashToken } from '@/lib/core/access/api-tokens';
import { verifyUserCredentials } from '@/lib/core/access/users';
import { apiTokens, users } from '@/lib/db/schema';
import { testDb, uid } from '../helpers/env';
import { api, settles } from '../helpers/http';
import { expectError } from '../helpers/http';
import { type ChildResult, runTs } from '../helpers/processes';

/**
 * The CLI as people run it (`npm run cli -- …` is `tsx lib/bin/cli.ts …`), against the test
 * database, and the tokens it prints used against the running server.
 */
// Each process loads the CLI with tsx (seconds of CPU): on a busy machine five side by side can
// take longer than runTs's default 30 s, so give them time — the assertions are about output.
const cli = (...args: string[]): Promise<ChildResult> => runTs('lib/bin/cli.ts', args, { env: { DATABASE_URL: process.env.TEST_DATABASE_URL }, timeoutMs: 120_000 });

const lines = (s: string) => s.split('\n').filter((l) => l.trim() !== '');

function expectOk(r: ChildResult) {
  expect(r.stderr, r.stderr).toBe('');
  expect(r.code, r.stderr).toBe(0);
}

/** Exit code 1 with exactly one line on stderr: "error: …". */
function expectCliError(r: ChildResult, pattern: RegExp) {
  expect(r.code).toBe(1);
  expect(lines(r.stderr), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(/^error: /);
  expect(r.stderr.trim()).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at\s/);
}

async function tokenRow(name: string) {
  const [row] = await testDb().select().from(apiTokens).where(eq(apiTokens.name, name));
  return row;
}

// Every case spawns a process: run them side by side.
describe.concurrent('CLI', { timeout: 300_000 }, () => {
  it('token create prints the token alone on the last line; it works; token list hides it; token revoke makes it 401', async () => {
    const name = uid('cli');
    const created = await cli('token', 'create', '--name', name, '--permissions', 'workflow:read,execution:read', '--expires-in', '30d');
    expectOk(created);
    const out = lines(created.stdout);
    const token = out.at(-1)!;
    expect(token).toMatch(/^wr_[A-Za-z0-9_-]{32}$/);
    // The token appears once: on its own line, nowhere else.
    expect(out.slice(0, -1).join('\n')).not.toContain(token);
    expect(created.stdout.split(token)).toHaveLength(2);
    expect(out[0]).toContain(name);

    const row = (await tokenRow(name))!;
    expect(row.tokenHash).toBe(hashToken(token));
    expect(row.permissions).toEqual(['workflow:read', 'execution:read']);
    const days = (row.expiresAt!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);

    expect((await api(token).get('/api/v1/workflows')).status).toBe(200);
    expect((await api(token).get('/api/v1/executions')).status).toBe(200);
    expectError(await api(token).post('/api/v1/executions', { workflow_id: 'x' }), 403, 'forbidden');

    const listed = await cli('token', 'list');
    expectOk(listed);
    const line = lines(listed.stdout).find((l) => l.startsWith(`${name} `));
    expect(line).toBeDefined();
    expect(line).toContain(`${row.prefix}…`);
    expect(line).toContain('active');
    expect(line).toContain('workflow:read,execution:read');
    expect(line).not.toContain('last used never');
    expect(listed.stdout).not.toContain(token);
    expect(listed.stdout).not.toContain(row.tokenHash);

    const revoked = await cli('token', 'revoke', '--name', name);
    expectOk(revoked);
    expect(revoked.stdout).toContain(name);
    expectError(await settles(() => api(token).get('/api/v1/workflows'), (r) => r.status === 401), 401, 'unauthorized');
    expect((await tokenRow(name))!.revokedAt).not.toBeNull();
  });

  it('user create makes a user who can sign in with that password', async () => {
    const email = `${uid('ops')}@Example.com`;
    const made = await cli('user', 'create', '--email', email, '--role', 'operator', '--password', 'long-enough-secret', '--name', 'Ops Person');
    expectOk(made);
    expect(made.stdout).toContain(email.toLowerCase());
    expect(made.stdout).toContain('operator');
    const [u] = await testDb().select().from(users).where(eq(users.email, email.toLowerCase()));
    expect(u).toMatchObject({ role: 'operator', name: 'Ops Person' });
    expect(u!.passwordHash).not.toContain('long-enough-secret');
    expect(u!.passwordHash).toMatch(/^scrypt\$/);
    expect(await verifyUserCredentials(testDb(), email, 'long-enough-secret')).toMatchObject({ id: email.toLowerCase(), role: 'operator' });
    expect(await verifyUserCredentials(testDb(), email, 'wrong-password')).toBeNull();
  });

  const BAD: [string, () => string[], RegExp][] = [
    ['an unknown permission', () => ['token', 'create', '--name', uid('bad'), '--permissions', 'workflow:read,root:everything'], /root:everything/],
    ['no --name', () => ['token', 'create', '--permissions', 'workflow:read'], /--name/],
    ['approval:decide without --user (only people decide)', () => ['token', 'create', '--name', uid('bad'), '--permissions', 'approval:read,approval:decide'], /approval:decide.*--user/],
    ['an unknown role', () => ['user', 'create', '--email', `${uid('u')}@example.com`, '--role', 'superuser', '--password', 'long-enough-secret'], /superuser/],
  ];

  it.for(BAD)('refuses %s with exit code 1 and a one-line error', async ([, args, pattern]) => {
    const argv = args();
    const r = await cli(...argv);
    expectCliError(r, pattern);
    expect(r.stdout).not.toMatch(/wr_[A-Za-z0-9_-]{32}/);
    // Nothing was created by the refused command.
    const nameAt = argv.indexOf('--name');
    if (argv[0] === 'token' && nameAt >= 0) expect(await tokenRow(argv[nameAt + 1]!)).toBeUndefined();
    if (argv[0] === 'user') {
      const email = argv[argv.indexOf('--email') + 1]!;
      expect(await testDb().select().from(users).where(eq(users.email, email.toLowerCase()))).toEqual([]);
    }
  });

  it('a database it cannot reach: one line with the driver\'s reason, never the SQL or its parameters', async () => {
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = `/${uid('missing').replace(/-/g, '_')}`;
    const name = uid('unreached');
    const r = await runTs('lib/bin/cli.ts', ['token', 'create', '--name', name, '--permissions', 'workflow:read'], { env: { DATABASE_URL: url.toString() }, timeoutMs: 120_000 });
    expectCliError(r, /^error: could not complete the command: database query failed \(query and parameters not logged\): database "[^"]+" does not exist$/);
    // The statement's parameters were the token's name, prefix and hash: none of them is said.
    expect(r.stderr).not.toMatch(/Failed query|params|insert into|wr_[A-Za-z0-9_-]{6}/i);
    expect(r.stderr).not.toContain(name);
  });

  it('the masked URL npm start prints: refused, saying what to do instead', async () => {
    const r = await runTs('lib/bin/cli.ts', ['token', 'list'], { env: { DATABASE_URL: 'postgres://postgres:***@127.0.0.1:54329/workflow_resumer' }, timeoutMs: 120_000 });
    expectCliError(r, /masked password npm start prints.*leave DATABASE_URL unset in the project directory/);
  });
});
