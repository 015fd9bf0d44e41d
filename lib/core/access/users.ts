import { and, asc, eq, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../../db/client';
import { users, type UserRow } from '../../db/schema';
import { AppError } from '../errors';
import { hashPassword, verifyPassword } from './passwords';
import { isRole, userActor, type Actor } from './permissions';
import type { NotifiedCache } from './notified-cache';

/** Where user changes are announced, with the user's (old) email (migration 0004 installs the trigger). */
export const USER_CHANGE_CHANNEL = 'wr_users';

export const MIN_PASSWORD_LENGTH = 8;

const normEmail = (email: string) => email.trim().toLowerCase();

function checkPassword(password: string) {
  if (password.length < MIN_PASSWORD_LENGTH) throw new AppError('validation_failed', `password must be at least ${MIN_PASSWORD_LENGTH} characters`);
}

export async function createUser(
  db: DbOrTx,
  input: { email: string; name?: string; role: string; password: string },
): Promise<{ email: string; role: string }> {
  const email = normEmail(input.email);
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new AppError('validation_failed', `invalid email: ${input.email}`);
  if (!isRole(input.role)) throw new AppError('validation_failed', `unknown role ${input.role} (admin, operator, approver, viewer)`);
  checkPassword(input.password);
  const inserted = await db
    .insert(users)
    .values({ email, name: input.name ?? email.split('@')[0]!, role: input.role, passwordHash: await hashPassword(input.password) })
    .onConflictDoNothing({ target: users.email })
    .returning({ email: users.email, role: users.role });
  if (inserted.length === 0) throw new AppError('conflict', `a user ${email} already exists`);
  return inserted[0]!;
}

/** What a session needs to know about its user on every request. */
export type SessionUser = { actor: Actor; sessionVersion: number; disabled: boolean };

const sessionUser = (u: UserRow): SessionUser => ({ actor: userActor(u), sessionVersion: u.sessionVersion, disabled: u.disabledAt !== null });

// Spent on unknown emails so response times do not reveal which emails exist.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/**
 * Checks a password. `null` on any mismatch, so callers cannot tell unknown users from wrong
 * passwords; a disabled user with the right password comes back with `disabled: true` (the caller
 * refuses the sign-in and may say why: only someone who knows the password learns it).
 */
export async function checkUserPassword(db: DbOrTx, email: string, password: string): Promise<SessionUser | null> {
  const [u] = await db.select().from(users).where(eq(users.email, normEmail(email)));
  if (!u) {
    await verifyPassword(password, DUMMY_HASH);
    return null;
  }
  return (await verifyPassword(password, u.passwordHash)) ? sessionUser(u) : null;
}

/** The actor for an email and password; null for a wrong password, an unknown or a disabled user. */
export async function verifyUserCredentials(db: DbOrTx, email: string, password: string): Promise<Actor | null> {
  const u = await checkUserPassword(db, email, password);
  return u && !u.disabled ? u.actor : null;
}

export async function findUserActor(db: DbOrTx, email: string): Promise<Actor | null> {
  const [u] = await db.select().from(users).where(eq(users.email, normEmail(email)));
  return u ? userActor(u) : null;
}

/**
 * The user behind a session, by email. With a `cache` (web processes) a user read recently is not
 * read again: every change of a user row is NOTIFYed on USER_CHANGE_CHANNEL and drops the entry
 * (see notified-cache.ts), so a sign-out, a password change or disabling takes effect on every
 * instance as soon as it commits.
 */
export async function findSessionUser(db: DbOrTx, email: string, cache?: NotifiedCache<SessionUser | null>, nowMs = Date.now()): Promise<SessionUser | null> {
  const key = normEmail(email);
  const hit = cache?.get(key, nowMs);
  if (hit !== undefined) return hit;
  const generation = cache?.generation() ?? 0;
  const [u] = await db.select().from(users).where(eq(users.email, key));
  const found = u ? sessionUser(u) : null;
  cache?.set(key, found, generation, nowMs);
  return found;
}

export type UserSummary = { email: string; name: string; role: string; disabled: boolean; createdAt: Date };

export async function listUsers(db: DbOrTx): Promise<UserSummary[]> {
  const rows = await db.select().from(users).orderBy(asc(users.email));
  return rows.map((u) => ({ email: u.email, name: u.name, role: u.role, disabled: u.disabledAt !== null, createdAt: u.createdAt }));
}

async function updateUser(db: DbOrTx, email: string, set: PgUpdateSetSource<typeof users>) {
  const r = await db.update(users).set(set).where(eq(users.email, normEmail(email))).returning({ email: users.email });
  if (r.length === 0) throw new AppError('not_found', `no user ${normEmail(email)}`);
}

/** Disabling ends every session of the user and stops their bound tokens (enabling does not revive sessions). */
export async function setUserDisabled(db: DbOrTx, email: string, disabled: boolean, now = new Date()): Promise<void> {
  if (disabled) await updateUser(db, email, { disabledAt: now, sessionVersion: sql`${users.sessionVersion} + 1` });
  else await updateUser(db, email, { disabledAt: null });
}

/** Sets a new password and ends every session signed in with the old one. */
export async function changePassword(db: DbOrTx, email: string, password: string): Promise<void> {
  checkPassword(password);
  await updateUser(db, email, { passwordHash: await hashPassword(password), sessionVersion: sql`${users.sessionVersion} + 1` });
}

/**
 * Sign-out: ends the sessions issued at `sessionVersion` (the signing-out cookie's) — which, as
 * sessions carry the user's version, is every session of that user. A stale cookie's sign-out (an
 * older version) changes nothing.
 */
export async function endSessions(db: DbOrTx, email: string, sessionVersion: number): Promise<void> {
  await db
    .update(users)
    .set({ sessionVersion: sql`${users.sessionVersion} + 1` })
    .where(and(eq(users.email, normEmail(email)), eq(users.sessionVersion, sessionVersion)));
}
