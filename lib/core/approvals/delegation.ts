/**
 * Delegation: while it runs, requests assigned to a person (by name or by role) are also theirs to
 * decide for the delegate, who is told of them; a delegate's vote records `on_behalf_of`.
 */
import { and, eq, gt, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db, DbOrTx } from '../../db/client';
import { approvalDecisions, approvalRequests, delegations, users } from '../../db/schema';
import { isRole, ROLE_PERMISSIONS, type Actor } from '../access/permissions';
import { ZTimestamp } from '../dto';
import { AppError } from '../errors';
import { loadRequestFacts, notifyPeople } from '../notifications/outbox';
import { assignedDirectly } from './assignment';

const MAX_DELEGATION_MS = 366 * 86_400_000;
/** Requests a new delegate is told about at once, at most (the rest show in their "Needs my decision"). */
const TELL_AT_MOST = 100;

export const ZSetDelegation = z.strictObject({
  to: z.string().trim().toLowerCase().max(254).regex(/^[^\s@]+@[^\s@]+$/, 'expected an email address'),
  until: z.iso.datetime({ offset: true }).meta({ description: 'ISO 8601; in the future, at most a year ahead' }),
});
export type SetDelegationInput = z.infer<typeof ZSetDelegation>;

export const ZDelegation = z.strictObject({
  delegation: z.strictObject({ to: z.string(), until: ZTimestamp, created_at: ZTimestamp }).nullable(),
  delegated_to_me: z.array(z.strictObject({ from: z.string(), until: ZTimestamp })),
});
export type DelegationDto = z.infer<typeof ZDelegation>;

/** Only people delegate: a user signed in, or a token bound to one. */
function personOf(actor: Actor): string {
  if (actor.kind === 'system' || actor.kind === 'link' || actor.role === null) {
    throw new AppError('forbidden', 'only people delegate: sign in, or use a token bound to a user');
  }
  return actor.id;
}

export async function getDelegation(db: DbOrTx, actor: Actor, now = new Date()) {
  const me = actor.role === null ? null : actor.id;
  if (!me) return { delegation: null, delegated_to_me: [] };
  const [mine] = await db.select().from(delegations).where(and(eq(delegations.userEmail, me), gt(delegations.until, now)));
  const toMe = await db.select().from(delegations).where(and(eq(delegations.toEmail, me), gt(delegations.until, now)));
  return {
    delegation: mine ? { to: mine.toEmail, until: mine.until.toISOString(), created_at: mine.createdAt.toISOString() } : null,
    delegated_to_me: toMe.map((d) => ({ from: d.userEmail, until: d.until.toISOString() })),
  };
}

/**
 * Sets (or replaces) the caller's delegation, and tells the delegate — in the same transaction — of
 * the pending requests assigned to the caller that they may now decide.
 */
export async function setDelegation(db: Db, actor: Actor, input: SetDelegationInput, now = new Date()) {
  const me = personOf(actor);
  const until = new Date(input.until);
  if (until <= now) throw new AppError('validation_failed', 'until: must be in the future');
  if (until.getTime() - now.getTime() > MAX_DELEGATION_MS) throw new AppError('validation_failed', 'until: at most a year ahead');
  if (input.to === me) throw new AppError('validation_failed', 'to: you cannot delegate to yourself');
  const [delegate] = await db.select().from(users).where(eq(users.email, input.to));
  if (!delegate) throw new AppError('validation_failed', `to: unknown user ${input.to}`);
  if (!isRole(delegate.role) || !ROLE_PERMISSIONS[delegate.role].includes('approval:decide')) {
    throw new AppError('validation_failed', `to: ${input.to} cannot decide approvals (role ${delegate.role})`);
  }
  await db.transaction(async (tx) => {
    const values = { userEmail: me, toEmail: input.to, until, createdAt: now };
    await tx.insert(delegations).values(values).onConflictDoUpdate({ target: delegations.userEmail, set: values });
    const candidates = await tx
      .select()
      .from(approvalRequests)
      .where(
        and(
          eq(approvalRequests.status, 'pending'),
          or(
            sql`${approvalRequests.assignedTo} @> ${sql.param([me])}::text[]`,
            sql`${approvalRequests.escalatedTo} @> ${sql.param([me])}::text[]`,
            actor.role ? eq(approvalRequests.approverRole, actor.role) : sql`false`,
          ),
          sql`not exists (select 1 from ${approvalDecisions} x where x.approval_id = ${approvalRequests.id} and (x.actor = ${me} or x.on_behalf_of = ${me}))`,
        ),
      )
      .orderBy(approvalRequests.createdAt)
      .limit(TELL_AT_MOST);
    for (const a of candidates) {
      // The delegate decides these in their own right already: nothing new to tell.
      if (assignedDirectly(a, delegate.email, delegate.role)) continue;
      const facts = await loadRequestFacts(tx, a.id);
      if (!facts || facts.execution.startedBy === me || facts.execution.startedBy === delegate.email) continue;
      await notifyPeople(tx, 'requested', facts, [{ email: delegate.email, name: delegate.name, onBehalfOf: me }], now);
    }
  });
  return getDelegation(db, actor, now);
}

export async function deleteDelegation(db: DbOrTx, actor: Actor, now = new Date()) {
  const me = personOf(actor);
  await db.delete(delegations).where(eq(delegations.userEmail, me));
  return getDelegation(db, actor, now);
}
