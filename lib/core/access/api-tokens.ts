import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { rowMapper, type DbOrTx } from '../../db/client';
import { apiTokens, users, type ApiTokenRow, type UserRow } from '../../db/schema';
import { runStatement } from '../../db/sql';
import { TOKEN_LOOKUP } from '../../db/sql/token-lookup';
import { AppError } from '../errors';
import { isPermission, PERSON_ONLY_PERMISSIONS, tokenActor, type Actor, type Permission } from './permissions';
import type { TokenCache } from './token-cache';

const TOKEN_PREFIX = 'wr_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export type CreatedToken = { token: string; name: string; prefix: string; permissions: Permission[]; expiresAt: Date | null };

export async function createApiToken(
  db: DbOrTx,
  input: { name: string; permissions: string[]; expiresInMs?: number | null; userEmail?: string | null; now?: Date },
): Promise<CreatedToken> {
  const name = input.name.trim();
  if (!/^[A-Za-z0-9._:-]{1,64}$/.test(name)) {
    throw new AppError('validation_failed', 'token name must be 1-64 characters of letters, digits, . _ : -');
  }
  const bad = input.permissions.filter((p) => !isPermission(p));
  if (bad.length || input.permissions.length === 0) {
    throw new AppError('validation_failed', `unknown permission(s): ${bad.join(', ') || '(none given)'}`);
  }
  if (input.expiresInMs !== undefined && input.expiresInMs !== null && !(input.expiresInMs > 0)) {
    throw new AppError('validation_failed', 'expiry must be a positive duration (omit it for a token that does not expire)');
  }
  const personOnly = PERSON_ONLY_PERMISSIONS.filter((p) => input.permissions.includes(p));
  if (personOnly.length > 0 && !input.userEmail) {
    throw new AppError('validation_failed', `${personOnly.join(', ')} is only given to a token bound to a user (--user EMAIL): only people decide`);
  }
  let userId: string | null = null;
  if (input.userEmail) {
    const [u] = await db.select().from(users).where(eq(users.email, input.userEmail.toLowerCase()));
    if (!u) throw new AppError('not_found', `no user ${input.userEmail}`);
    userId = u.id;
  }
  const token = TOKEN_PREFIX + randomBytes(24).toString('base64url');
  const prefix = token.slice(0, 10);
  const now = input.now ?? new Date();
  const expiresAt = input.expiresInMs ? new Date(now.getTime() + input.expiresInMs) : null;
  const inserted = await db
    .insert(apiTokens)
    .values({ name, prefix, tokenHash: hashToken(token), permissions: [...new Set(input.permissions)], userId, expiresAt })
    .onConflictDoNothing({ target: apiTokens.name })
    .returning({ id: apiTokens.id });
  if (inserted.length === 0) throw new AppError('conflict', `a token named ${name} already exists`);
  return { token, name, prefix, permissions: input.permissions as Permission[], expiresAt };
}

export async function listApiTokens(db: DbOrTx) {
  return db
    .select({
      name: apiTokens.name,
      prefix: apiTokens.prefix,
      permissions: apiTokens.permissions,
      createdAt: apiTokens.createdAt,
      lastUsedAt: apiTokens.lastUsedAt,
      expiresAt: apiTokens.expiresAt,
      revokedAt: apiTokens.revokedAt,
    })
    .from(apiTokens)
    .orderBy(desc(apiTokens.createdAt));
}

export async function revokeApiToken(db: DbOrTx, name: string, now = new Date()): Promise<void> {
  const r = await db
    .update(apiTokens)
    .set({ revokedAt: now })
    .where(and(eq(apiTokens.name, name), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  if (r.length === 0) throw new AppError('not_found', `no active token named ${name}`);
}

// last_used_at is written at most once a minute per token so a busy client does not turn every
// read into a write.
const LAST_USED_RESOLUTION_MS = 60_000;

/** Writes last_used_at when the stored one is older than the resolution; returns the value now stored. */
async function touchLastUsed(db: DbOrTx, tokenId: string, lastUsedAt: Date | null, now: Date): Promise<Date | null> {
  if (lastUsedAt && now.getTime() - lastUsedAt.getTime() <= LAST_USED_RESOLUTION_MS) return lastUsedAt;
  await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, tokenId));
  return now;
}

/**
 * The actor behind a Bearer token; 401 for unknown, revoked or expired tokens. With a `cache`
 * (web processes), a token authenticated recently is not looked up again (see token-cache.ts).
 */
const fromToken = rowMapper<ApiTokenRow>(apiTokens);
const fromUser = rowMapper<UserRow>(users);

export async function authenticateToken(db: DbOrTx, token: string, now = new Date(), cache?: TokenCache): Promise<Actor> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) throw new AppError('unauthorized', 'invalid API token');
  const hash = hashToken(token);
  const hit = cache?.get(hash, now.getTime());
  if (hit) {
    if (hit.expiresAt && hit.expiresAt <= now) throw new AppError('unauthorized', 'API token has expired');
    hit.lastUsedAt = await touchLastUsed(db, hit.tokenId, hit.lastUsedAt, now);
    return hit.actor;
  }
  const generation = cache?.generation() ?? 0;
  const [raw] = await runStatement(db, TOKEN_LOOKUP, [hash]);
  if (!raw) throw new AppError('unauthorized', 'invalid API token');
  const row = { token: fromToken(raw.token as Record<string, unknown>), user: raw.user ? fromUser(raw.user as Record<string, unknown>) : null };
  if (row.token.revokedAt) throw new AppError('unauthorized', 'API token has been revoked');
  if (row.token.expiresAt && row.token.expiresAt <= now) throw new AppError('unauthorized', 'API token has expired');
  if (row.user?.disabledAt) throw new AppError('unauthorized', 'the user this API token acts for is disabled');
  const lastUsedAt = await touchLastUsed(db, row.token.id, row.token.lastUsedAt, now);
  const actor = tokenActor(row.token, row.user);
  cache?.set(hash, { tokenId: row.token.id, actor, expiresAt: row.token.expiresAt, lastUsedAt, cachedAt: now.getTime() }, generation);
  return actor;
}
