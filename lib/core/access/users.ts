import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { users } from '../../db/schema';
import { AppError } from '../errors';
import { hashPassword, verifyPassword } from './passwords';
import { isRole, userActor, type Actor } from './permissions';

export async function createUser(
  db: DbOrTx,
  input: { email: string; name?: string; role: string; password: string },
): Promise<{ email: string; role: string }> {
  const email = input.email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new AppError('validation_failed', `invalid email: ${input.email}`);
  if (!isRole(input.role)) throw new AppError('validation_failed', `unknown role ${input.role} (admin, operator, approver, viewer)`);
  if (input.password.length < 8) throw new AppError('validation_failed', 'password must be at least 8 characters');
  const inserted = await db
    .insert(users)
    .values({ email, name: input.name ?? email.split('@')[0]!, role: input.role, passwordHash: await hashPassword(input.password) })
    .onConflictDoNothing({ target: users.email })
    .returning({ email: users.email, role: users.role });
  if (inserted.length === 0) throw new AppError('conflict', `a user ${email} already exists`);
  return inserted[0]!;
}

/** Checks a password; null on any mismatch, so callers cannot tell unknown users from wrong passwords. */
export async function verifyUserCredentials(db: DbOrTx, email: string, password: string): Promise<Actor | null> {
  const [u] = await db.select().from(users).where(eq(users.email, email.trim().toLowerCase()));
  if (!u) {
    // Spend the same time as a real check so response times do not reveal which emails exist.
    await verifyPassword(password, 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    return null;
  }
  return (await verifyPassword(password, u.passwordHash)) ? userActor(u) : null;
}

export async function findUserActor(db: DbOrTx, email: string): Promise<Actor | null> {
  const [u] = await db.select().from(users).where(eq(users.email, email.trim().toLowerCase()));
  return u ? userActor(u) : null;
}
