import { sql } from 'drizzle-orm';
import { bigint, integer, jsonb, pgTable, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';

export const users = pgTable('users', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  /** scrypt: "scrypt$N$r$p$salt$hash" (base64url). */
  passwordHash: text('password_hash').notNull(),
  role: text('role').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  /** Set while the user is disabled: no sign-in, no session, no bound token works. */
  disabledAt: timestamp('disabled_at', { withTimezone: true, precision: 3 }),
  /** Copied into the session cookie at sign-in; bumping it ends every session issued before. */
  sessionVersion: integer('session_version').notNull().default(0),
});

export const apiTokens = pgTable('api_tokens', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  name: text('name').notNull().unique(),
  /** First characters of the token, safe to show, to tell tokens apart. */
  prefix: text('prefix').notNull(),
  /** SHA-256 of the whole token; the token itself is never stored. */
  tokenHash: text('token_hash').notNull().unique(),
  permissions: jsonb('permissions').$type<string[]>().notNull(),
  userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true, precision: 3 }),
  expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }),
  revokedAt: timestamp('revoked_at', { withTimezone: true, precision: 3 }),
});

/**
 * Failed sign-in counters shared by every web instance, in the layout rate-limiter-flexible's
 * PostgreSQL store reads and writes (lib/auth/sign-in-throttle.ts); migration 0004 creates it.
 */
export const signInThrottle = pgTable('sign_in_throttle', {
  key: varchar('key', { length: 255 }).primaryKey(),
  points: integer('points').notNull().default(0),
  /** Epoch milliseconds when the counter's window ends. */
  expire: bigint('expire', { mode: 'number' }),
});

export type UserRow = typeof users.$inferSelect;
export type ApiTokenRow = typeof apiTokens.$inferSelect;
