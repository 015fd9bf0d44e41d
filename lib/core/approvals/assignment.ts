import { and, eq, gt, sql } from 'drizzle-orm';
import type { Placeholders } from '../../db/sql/page-first';
import type { DbOrTx } from '../../db/client';
import { decisionLinks, delegations, users } from '../../db/schema';
import type { Actor } from '../access/permissions';
import { AppError } from '../errors';

/** What of a request decides who may decide it. */
export type Assignment = {
  id: string;
  approverRole: string | null;
  assignedTo: readonly string[];
  escalatedTo: readonly string[];
};

type Vote = { actor: string; onBehalfOf: string | null };

/**
 * Whether a person may decide this request in their own right. With neither assignees nor a role,
 * anyone holding approval:decide may (as before assignment existed); otherwise the people named (by
 * the step or by an escalation) and holders of the role — admins always pass the role.
 */
export function assignedDirectly(a: Assignment, email: string, role: string | null): boolean {
  if (a.assignedTo.length === 0 && a.approverRole === null) return true;
  if (a.assignedTo.includes(email) || a.escalatedTo.includes(email)) return true;
  return a.approverRole !== null && (role === a.approverRole || role === 'admin');
}

/** People who delegated to `email` and whose delegation is still running, with their roles. */
export async function activeDelegators(db: DbOrTx, email: string, now: Date): Promise<{ email: string; role: string }[]> {
  return db
    .select({ email: delegations.userEmail, role: users.role })
    .from(delegations)
    .innerJoin(users, eq(users.email, delegations.userEmail))
    .where(and(eq(delegations.toEmail, email), gt(delegations.until, now)));
}

function votedAs(votes: readonly Vote[], email: string): boolean {
  return votes.some((v) => v.actor === email || v.onBehalfOf === email);
}

/**
 * The assignment rule of every decision path (API, console, resume, decision link), called by the
 * decide path with the request and execution locked: the actor must be assigned — in their own right
 * or as the active delegate of someone who is and has not voted yet (then the vote is recorded on
 * that person's behalf). A decision link acts for its one request only, and is spent by the vote it
 * casts (in the same transaction: a vote that rolls back leaves the link unspent).
 * Returns the person the vote is cast for when it is a delegate's.
 */
export async function assertAssigned(
  tx: DbOrTx,
  input: { approval: Assignment; actor: Actor; startedBy: string; pausedBy: string | null; votes: readonly Vote[]; now: Date },
): Promise<{ onBehalfOf: string | null }> {
  const { approval, actor, votes, now } = input;
  if (actor.link) {
    if (actor.link.approvalId !== approval.id) throw new AppError('forbidden', 'this decision link is for another approval');
    const spent = await tx
      .update(decisionLinks)
      .set({ usedAt: now })
      .where(and(eq(decisionLinks.id, actor.link.id), sql`${decisionLinks.usedAt} is null`))
      .returning({ id: decisionLinks.id });
    if (spent.length === 0) throw new AppError('already_decided', 'this decision link has been used');
  }
  if (assignedDirectly(approval, actor.id, actor.role)) {
    const byDelegate = votes.find((v) => v.onBehalfOf === actor.id);
    if (byDelegate) throw new AppError('already_decided', `${byDelegate.actor} already decided this approval on your behalf`);
    return { onBehalfOf: null };
  }
  for (const d of await activeDelegators(tx, actor.id, now)) {
    if (d.email === input.startedBy || d.email === input.pausedBy) continue; // a delegate cannot approve for the requester
    if (assignedDirectly(approval, d.email, d.role) && !votedAs(votes, d.email)) return { onBehalfOf: d.email };
  }
  const who = [...approval.assignedTo, ...approval.escalatedTo];
  const named = who.length ? `assigned to ${who.join(', ')}` : '';
  const role = approval.approverRole ? `for the ${approval.approverRole} role` : '';
  throw new AppError('forbidden', `this approval is ${[named, role].filter(Boolean).join(' or ')}`);
}

/** Who "me" is for `GET /approvals?for=me`: the person, the people who delegated to them, and their roles. */
export type ForMeScope = { me: string; people: string[]; roles: string[]; anyAdmin: boolean };

/** The scope of `?for=me`, or null when the caller can decide nothing (no approval:decide, the worker). */
export async function forMeScope(db: DbOrTx, actor: Actor | undefined, now: Date): Promise<ForMeScope | null> {
  if (!actor || !actor.permissions.has('approval:decide') || actor.kind === 'system') return null;
  const me = actor.id;
  const delegators = await activeDelegators(db, me, now);
  const roles = [...new Set([actor.role, ...delegators.map((d) => d.role)].filter((r): r is string => !!r))];
  return { me, people: [me, ...delegators.map((d) => d.email)], roles, anyAdmin: roles.includes('admin') };
}

/**
 * `?for=me` over a page of approval_requests rows (unqualified columns): the pending requests this
 * person may decide now — assigned to them, their role (or someone who delegated to them), or open
 * to anyone; not voted on by them (or for them); not started or paused by them. Every part is a
 * probe by key per row, so the list statement keeps walking its index (lib/db/sql/page-first.ts).
 */
export function forMeText(p: Placeholders, scope: ForMeScope | null): string {
  if (!scope) return 'false';
  const people = p.add(scope.people, '::text[]');
  const roles = p.add(scope.roles, '::text[]');
  const me = p.add(scope.me, '::text');
  return `((cardinality(assigned_to) = 0 and approver_role is null)
       or assigned_to && ${people} or escalated_to && ${people}
       or approver_role = any(${roles})${scope.anyAdmin ? ' or approver_role is not null' : ''})
   and not exists (select 1 from approval_decisions x where x.approval_id = approval_requests.id and (x.actor = ${me} or x.on_behalf_of = ${me})
                      and x.payload_version = approval_requests.payload_version offset 0)
   and not exists (select 1 from workflow_executions x where x.id = approval_requests.execution_id and (x.started_by = ${me} or x.paused_by = ${me}) offset 0)`;
}

/** `GET /approvals?decided_by=me`: requests this person voted on (themselves or for someone). */
export function decidedByText(p: Placeholders, actorId: string | null): string {
  if (actorId === null) return 'false';
  return `exists (select 1 from approval_decisions x where x.approval_id = approval_requests.id and x.actor = ${p.add(actorId, '::text')})`;
}
