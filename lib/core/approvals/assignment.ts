import { and, eq, gt, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { approvalDecisions, approvalRequests, decisionLinks, delegations, users, workflowExecutions } from '../../db/schema';
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

/**
 * `GET /approvals?for=me`: the requests this person may decide now — assigned to them, to their role
 * or to someone who delegated to them (or open to everyone who decides), not voted on by them or for
 * them, and not started or paused by them. Plain predicates on the joined row: the list's index scan
 * (status, created_at, id) stays the plan, and these filter what it reads.
 */
export async function forMePredicate(db: DbOrTx, actor: Actor, now: Date): Promise<SQL> {
  if (!actor.permissions.has('approval:decide') || actor.kind === 'system') return sql`false`;
  const me = actor.id;
  const delegators = await activeDelegators(db, me, now);
  const people = [me, ...delegators.map((d) => d.email)];
  const roles = [...new Set([actor.role, ...delegators.map((d) => d.role)].filter((r): r is string => !!r))];
  // Arrays travel as one parameter each (node-postgres turns a JS array into a PostgreSQL array).
  const peopleArr = sql`${sql.param(people)}::text[]`;
  const rolesArr = sql`${sql.param(roles)}::text[]`;
  const a = approvalRequests;
  const e = workflowExecutions;
  const anyAdmin = roles.includes('admin');
  return sql`(
      (cardinality(${a.assignedTo}) = 0 and ${a.approverRole} is null)
      or ${a.assignedTo} && ${peopleArr} or ${a.escalatedTo} && ${peopleArr}
      or ${a.approverRole} = any(${rolesArr})${anyAdmin ? sql` or ${a.approverRole} is not null` : sql``}
    )
    and not exists (select 1 from ${approvalDecisions} x where x.approval_id = ${a.id} and (x.actor = ${me} or x.on_behalf_of = ${me}))
    and ${e.startedBy} <> ${me} and ${e.pausedBy} is distinct from ${me}`;
}

/** `GET /approvals?decided_by=me`: requests this person voted on (themselves or for someone). */
export function decidedByPredicate(actor: Actor): SQL {
  return sql`exists (select 1 from ${approvalDecisions} x where x.approval_id = ${approvalRequests.id} and x.actor = ${actor.id})`;
}
