import type { Actor } from '../access/permissions';
import { AppError } from '../errors';

/** What the rules look at: the request, its execution, and the decisions recorded so far. */
export type DecisionTarget = {
  approval: { status: string; approverRole: string | null; payloadVersion?: number };
  execution: { status: string; decidedAt: Date | null; startedBy: string; pausedBy: string | null };
  /** Votes on an older payload version (payloadVersion below the request's) are stale: the person may vote again. */
  decisions: readonly { actor: string; payloadVersion?: number }[];
};

/**
 * The one set of rules for every way to decide an approval — POST /approvals/{id}/approve|reject,
 * a resume of an execution whose approval is pending, and whatever comes later: only a person
 * holding approval:decide (a standalone token never holds it, see tokenActor), while the request is
 * pending, once per person, never whoever started or paused the execution, and only by someone
 * the request is assigned to (its approver_role or admin, its assignees, their delegates: assertAssigned). Quorums count distinct people because a vote is recorded
 * under the person's id (a user's email, the same for their session and their tokens) and a
 * second vote by the same id is refused.
 */
export function assertMayDecide(actor: Actor, t: DecisionTarget): void {
  if (!actor.permissions.has('approval:decide')) throw new AppError('forbidden', 'missing permission: approval:decide');
  if (t.approval.status !== 'pending' || t.execution.status !== 'paused' || t.execution.decidedAt) {
    const by = t.decisions.map((d) => d.actor).join(', ');
    throw new AppError('not_pending', `approval is already ${t.approval.status === 'pending' ? 'decided' : t.approval.status}${by ? ` by ${by}` : ''}`);
  }
  const current = t.decisions.filter((d) => (d.payloadVersion ?? 1) >= (t.approval.payloadVersion ?? 1));
  if (current.some((d) => d.actor === actor.id)) throw new AppError('already_decided', 'you have already decided this approval');
  if (actor.id === t.execution.startedBy || actor.id === t.execution.pausedBy) {
    throw new AppError('self_approval', 'you started or paused this execution, so you cannot decide its approval');
  }
  // Who is assigned — the role, named assignees, escalation, delegates, decision links — is
  // assertAssigned's (lib/core/approvals/assignment.ts), called right after this by castVote.
}
