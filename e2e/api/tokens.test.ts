import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { authenticateToken, createApiToken, hashToken, listApiTokens, revokeApiToken } from '@/lib/core/access/api-tokens';
import { AppError } from '@/lib/core/errors';
import { apiTokens } from '@/lib/db/schema';
import { testDb, testPool, tokenWith, uid, userWithToken } from '../helpers/env';
import { api, settles } from '../helpers/http';
import { expectError } from '../helpers/http';

/** API tokens: stored only as a SHA-256 hash plus a short prefix; revocation and expiry give 401. */
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

async function rowOf(name: string) {
  const [row] = await testDb().select().from(apiTokens).where(eq(apiTokens.name, name));
  if (!row) throw new Error(`no token row ${name}`);
  return row;
}

describe('API tokens', () => {
  it('the database holds only a SHA-256 hash and a short prefix, never the token', async () => {
    const name = uid('hash');
    const t = await createApiToken(testDb(), { name, permissions: ['workflow:read'] });
    expect(t.token).toMatch(/^wr_[A-Za-z0-9_-]{32}$/);
    const row = await rowOf(name);
    expect(row.tokenHash).toBe(sha256(t.token));
    expect(row.tokenHash).toBe(hashToken(t.token));
    expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.prefix).toBe(t.token.slice(0, 10));
    expect(t.token.length - row.prefix.length).toBeGreaterThanOrEqual(24);
    // No column anywhere in the row carries the secret (or its secret part).
    const raw = await testPool().query('select to_jsonb(t)::text as j from api_tokens t where name = $1', [name]);
    const stored = (raw.rows[0] as { j: string }).j;
    expect(stored).not.toContain(t.token);
    expect(stored).not.toContain(t.token.slice(10));
    expect(stored).not.toContain(t.token.slice(3, 20));
    // The listing shows the prefix and never the hash or the token.
    const listed = (await listApiTokens(testDb())).find((r) => r.name === name);
    expect(listed).toMatchObject({ name, prefix: row.prefix, permissions: ['workflow:read'], revokedAt: null, expiresAt: null });
    expect(JSON.stringify(listed)).not.toContain(row.tokenHash);
    expect(JSON.stringify(listed)).not.toContain(t.token);
  });

  it('two tokens never share a hash or a secret', async () => {
    const a = await createApiToken(testDb(), { name: uid('a'), permissions: ['workflow:read'] });
    const b = await createApiToken(testDb(), { name: uid('b'), permissions: ['workflow:read'] });
    expect(a.token).not.toBe(b.token);
    expect((await rowOf(a.name)).tokenHash).not.toBe((await rowOf(b.name)).tokenHash);
  });

  it('sets last_used_at on use (at most once a minute)', async () => {
    const name = uid('used');
    const t = await createApiToken(testDb(), { name, permissions: ['workflow:read'] });
    expect((await rowOf(name)).lastUsedAt).toBeNull();
    const before = Date.now();
    expect((await api(t.token).get('/api/v1/workflows')).status).toBe(200);
    const first = (await rowOf(name)).lastUsedAt;
    expect(first).not.toBeNull();
    expect(first!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(first!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect((await api(t.token).get('/api/v1/workflows')).status).toBe(200);
    expect((await rowOf(name)).lastUsedAt!.getTime()).toBe(first!.getTime());
    // More than a minute later it moves again.
    const later = new Date(first!.getTime() + 61_000);
    await authenticateToken(testDb(), t.token, later);
    expect((await rowOf(name)).lastUsedAt!.getTime()).toBe(later.getTime());
  });

  it('a revoked token gets 401 (within moments, also when it was in use), and revoking it again is refused', async () => {
    const name = uid('rev');
    const t = await createApiToken(testDb(), { name, permissions: ['workflow:read'] });
    expect((await api(t.token).get('/api/v1/workflows')).status).toBe(200);
    await revokeApiToken(testDb(), name);
    const row = await rowOf(name);
    expect(row.revokedAt).not.toBeNull();
    const res = await settles(() => api(t.token).get('/api/v1/workflows'), (r) => r.status === 401);
    const err = expectError(res, 401, 'unauthorized');
    expectError(await api(t.token).get('/api/v1/workflows'), 401, 'unauthorized');
    expect(err.error.message).toMatch(/revoked/);
    await expect(revokeApiToken(testDb(), name)).rejects.toMatchObject({ code: 'not_found' });
    await expect(revokeApiToken(testDb(), uid('never-existed'))).rejects.toBeInstanceOf(AppError);
    expect((await listApiTokens(testDb())).find((r) => r.name === name)!.revokedAt).not.toBeNull();
  });

  // Web processes keep authenticated tokens in memory; a trigger announces every change of a token
  // or user row, so changes made anywhere — even by hand in SQL — apply to the next request.
  it('a token already in use stops working when its row is changed by hand (expiry moved into the past, deleted)', async () => {
    const moved = await createApiToken(testDb(), { name: uid('sql-exp'), permissions: ['workflow:read'] });
    expect((await api(moved.token).get('/api/v1/workflows')).status).toBe(200);
    expect((await api(moved.token).get('/api/v1/workflows')).status).toBe(200);
    await testPool().query(`update api_tokens set expires_at = now() - interval '1 second' where name = $1`, [moved.name]);
    const refused = await settles(() => api(moved.token).get('/api/v1/workflows'), (r) => r.status === 401);
    expect(expectError(refused, 401, 'unauthorized').error.message).toMatch(/expired/);

    const deleted = await createApiToken(testDb(), { name: uid('sql-del'), permissions: ['workflow:read'] });
    expect((await api(deleted.token).get('/api/v1/workflows')).status).toBe(200);
    await testPool().query('delete from api_tokens where name = $1', [deleted.name]);
    expectError(await settles(() => api(deleted.token).get('/api/v1/workflows'), (r) => r.status === 401), 401, 'unauthorized');
  });

  it("a user's token follows a role change made while the token is in use", async () => {
    // Deciding needs approval:decide, checked before the (unknown) approval is looked up: an approver
    // gets 404, a viewer 403.
    const decide = (token: string) => api(token).post('/api/v1/approvals/00000000-0000-4000-8000-000000000000/approve', {});
    const u = await userWithToken('approver');
    expectError(await decide(u.token), 404, 'not_found');
    await testPool().query(`update users set role = 'viewer' where email = $1`, [u.email]);
    expectError(await settles(() => decide(u.token), (r) => r.status === 403), 403, 'forbidden');
    await testPool().query(`update users set role = 'approver' where email = $1`, [u.email]);
    expectError(await settles(() => decide(u.token), (r) => r.status === 404), 404, 'not_found');
  });

  it('a token expires after expiresInMs', async () => {
    const name = uid('exp');
    const t = await createApiToken(testDb(), { name, permissions: ['workflow:read'], expiresInMs: 1000 });
    const row = await rowOf(name);
    expect(row.expiresAt!.getTime() - row.createdAt.getTime()).toBeGreaterThan(500);
    expect(row.expiresAt!.getTime() - row.createdAt.getTime()).toBeLessThan(2500);
    expect((await api(t.token).get('/api/v1/workflows')).status).toBe(200);
    await new Promise((r) => setTimeout(r, Math.max(0, row.expiresAt!.getTime() - Date.now() + 50)));
    const err = expectError(await api(t.token).get('/api/v1/workflows'), 401, 'unauthorized');
    expect(err.error.message).toMatch(/expired/);
  });

  it('a token stored with a past expires_at gets 401; a future one works', async () => {
    const past = await createApiToken(testDb(), { name: uid('past'), permissions: ['workflow:read'] });
    await testDb().update(apiTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(apiTokens.name, past.name));
    expectError(await api(past.token).get('/api/v1/workflows'), 401, 'unauthorized');

    const future = await createApiToken(testDb(), { name: uid('future'), permissions: ['workflow:read'] });
    await testDb().update(apiTokens).set({ expiresAt: new Date(Date.now() + 3_600_000) }).where(eq(apiTokens.name, future.name));
    expect((await api(future.token).get('/api/v1/workflows')).status).toBe(200);
  });

  it('an unknown token of the right shape, and a token that differs in one character, get 401', async () => {
    const t = await tokenWith(['workflow:read']);
    const last = t.at(-1)!;
    const flipped = t.slice(0, -1) + (last === 'A' ? 'B' : 'A');
    expectError(await api(flipped).get('/api/v1/workflows'), 401, 'unauthorized');
    expectError(await api(`wr_${'A'.repeat(32)}`).get('/api/v1/workflows'), 401, 'unauthorized');
    expect((await api(t).get('/api/v1/workflows')).status).toBe(200);
  });

  it('refuses bad names, unknown permissions, no permissions and duplicate names', async () => {
    await expect(createApiToken(testDb(), { name: 'has space', permissions: ['workflow:read'] })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(createApiToken(testDb(), { name: uid('p'), permissions: ['workflow:read', 'root:all'] })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(createApiToken(testDb(), { name: uid('p'), permissions: [] })).rejects.toMatchObject({ code: 'validation_failed' });
    const name = uid('dup');
    await createApiToken(testDb(), { name, permissions: ['workflow:read'] });
    await expect(createApiToken(testDb(), { name, permissions: ['workflow:read'] })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('a token acts with exactly its permissions', async () => {
    const t = await tokenWith(['workflow:read']);
    expect((await api(t).get('/api/v1/workflows')).status).toBe(200);
    expectError(await api(t).get('/api/v1/executions'), 403, 'forbidden');
    expectError(await api(t).post('/api/v1/workflows', { key: uid('x'), name: 'x', definition: { steps: [{ id: 'a', type: 'pause' }] } }), 403, 'forbidden');
  });

  it("a token issued to a user never exceeds the user's role", async () => {
    const viewer = await userWithToken('viewer');
    const wide = await tokenWith(['workflow:read', 'workflow:write', 'execution:create'], { userEmail: viewer.email });
    expect((await api(wide).get('/api/v1/workflows')).status).toBe(200);
    expectError(await api(wide).post('/api/v1/workflows', { key: uid('x'), name: 'x', definition: { steps: [{ id: 'a', type: 'pause' }] } }), 403, 'forbidden');
    // And it acts as that user on the timeline.
    const operator = await userWithToken('operator');
    const key = uid('wf');
    expect((await api(operator.token).post('/api/v1/workflows', { key, name: 'x', definition: { steps: [{ id: 'a', type: 'action', action: { type: 'allow' } }] } })).status).toBe(201);
    const started = await api(operator.token).post('/api/v1/executions', { workflow_id: key });
    expect(started.body.started_by).toBe(operator.email);
  });
});
