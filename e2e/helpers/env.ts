import { randomBytes } from 'node:crypto';
import type { SQL } from 'drizzle-orm';
import pg from 'pg';
import { createDb, type Db } from '@/lib/db/client';
import { runMigrations } from '@/lib/db/migrate';
import { createApiToken } from '@/lib/core/access/api-tokens';
import { createUser } from '@/lib/core/access/users';
import { PERSON_ONLY_PERMISSIONS, ROLE_PERMISSIONS, type Permission, type Role } from '@/lib/core/access/permissions';

export const BASE_URL = process.env.WR_BASE_URL ?? '';
const TEST_DB = process.env.TEST_DATABASE_URL ?? '';
if (!TEST_DB) throw new Error('run the tests with `npm test` (it provides TEST_DATABASE_URL and BASE_URL)');

let shared: ReturnType<typeof createDb> | null = null;
/** The database the test web server uses. */
export function testDb(): Db {
  shared ??= createDb(TEST_DB, 5);
  return shared.db;
}
export function testPool(): pg.Pool {
  testDb();
  return shared!.pool;
}

/** The rows of a raw SQL query. */
export async function sqlRows<T>(db: Db, query: SQL): Promise<T[]> {
  return (await db.execute(query)).rows as T[];
}

export function uid(prefix = 't'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/**
 * A fresh, migrated database of its own, for tests that run workers over the whole table or break
 * the database: its URL, a pool on it (opened on first use, `poolSize` connections) and close(),
 * which ends the pool and drops the database.
 */
export async function isolatedDatabase(poolSize = 6): Promise<{ url: string; readonly db: Db; close: () => Promise<void> }> {
  const admin = new pg.Client({ connectionString: process.env.TEST_ADMIN_URL });
  await admin.connect();
  const name = `${process.env.TEST_DB_PREFIX}_${randomBytes(4).toString('hex')}`;
  await admin.query(`create database ${admin.escapeIdentifier(name)}`);
  await admin.end();
  const u = new URL(process.env.TEST_ADMIN_URL!);
  u.pathname = `/${name}`;
  await runMigrations(u.toString());
  let handle: ReturnType<typeof createDb> | null = null;
  return {
    url: u.toString(),
    get db() {
      handle ??= createDb(u.toString(), poolSize);
      return handle.db;
    },
    close: async () => {
      await handle?.pool.end();
      const c = new pg.Client({ connectionString: process.env.TEST_ADMIN_URL });
      await c.connect();
      // pg's pool.end() resolves before its connections have closed: wait (briefly) for this test's own
      // pools to leave, so FORCE does not terminate a connection mid-close — its client would raise
      // an unhandled 57P01 error in the test process.
      for (let i = 0; i < 50; i++) {
        const { rows } = await c.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
        if (rows[0]!.n === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await c.query(`drop database if exists ${c.escapeIdentifier(name)} with (force)`);
      await c.end();
    },
  };
}

/**
 * A token with exactly these permissions. Only people decide: a token given approval:decide without
 * `userEmail` is bound to a person of its own — a new user of `personRole` (admin by default, whose
 * role allows everything, so the token's own permissions are what limit it) — and each such token
 * is a different person.
 */
export async function tokenWith(
  permissions: readonly Permission[],
  opts: { expiresInMs?: number; userEmail?: string; db?: Db; personRole?: Role } = {},
): Promise<string> {
  const db = opts.db ?? testDb();
  let userEmail = opts.userEmail;
  if (!userEmail && PERSON_ONLY_PERMISSIONS.some((p) => permissions.includes(p))) {
    userEmail = `${uid('person')}@example.com`;
    await createUser(db, { email: userEmail, role: opts.personRole ?? 'admin', password: 'correct-horse-battery' });
  }
  const t = await createApiToken(db, { name: uid('tok'), permissions: [...permissions], expiresInMs: opts.expiresInMs, userEmail });
  return t.token;
}

/** A token with a role's permissions (bound to a person of that role when the role decides). */
export async function tokenForRole(role: Role): Promise<string> {
  return tokenWith(ROLE_PERMISSIONS[role], { personRole: role });
}

/** A user of the role plus a token issued to them, so the token acts as that user. */
export async function userWithToken(role: Role, db: Db = testDb()): Promise<{ email: string; password: string; token: string }> {
  const email = `${uid(role)}@example.com`;
  const password = 'correct-horse-battery';
  await createUser(db, { email, role, password });
  const token = await tokenWith(ROLE_PERMISSIONS[role], { userEmail: email, db });
  return { email, password, token };
}
