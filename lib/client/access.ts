/** What the signed-in user may do, decided from /api/v1/me — the server checks again on every write. */
import type { DecisionDto, InboxApproval, Me, Permission } from './types';

export function can(me: Me | undefined, permission: Permission): boolean {
  return !!me && me.permissions.includes(permission);
}

export type DecideCheck = { allowed: true; reason?: undefined; hidden?: undefined } | { allowed: false; reason: string; hidden?: boolean };

const DECIDED_LABEL: Record<string, string> = { approved: 'Approved', rejected: 'Rejected', expired: 'Expired' };

/**
 * Whether `me` may approve or reject this approval, and if not, the reason to show. `hidden` means
 * the user can never decide approvals (no buttons at all); otherwise the buttons show, disabled.
 */
export function checkDecide(
  me: Me | undefined,
  approval: Pick<InboxApproval, 'status' | 'approver_role' | 'decisions'> & { assigned_to?: string[] },
  execution: { started_by: string; paused_by: string | null },
): DecideCheck {
  if (!me || !can(me, 'approval:decide')) return { allowed: false, reason: 'You do not have permission to decide approvals.', hidden: true };
  if (approval.status !== 'pending') {
    return { allowed: false, reason: `Already decided: ${(DECIDED_LABEL[approval.status] ?? approval.status).toLowerCase()}.` };
  }
  // A vote on an older payload version is stale (an approver edited it since): the person decides again.
  const mine = approval.decisions.find((d: DecisionDto) => d.actor === me.id && !d.stale);
  if (mine) return { allowed: false, reason: `You already ${mine.decision === 'approve' ? 'approved' : 'rejected'} this.` };
  if (execution.started_by === me.id) return { allowed: false, reason: 'You started this execution, so someone else must decide (no self-approval).' };
  if (execution.paused_by === me.id) return { allowed: false, reason: 'You paused this execution, so someone else must decide (no self-approval).' };
  // Requests assigned by name are also open to the assignees' delegates, which only the server
  // knows: it judges those. A role alone is checked here.
  const named = approval.assigned_to ?? [];
  const byRole = !!approval.approver_role && (me.role === approval.approver_role || me.role === 'admin');
  if (named.length === 0 && approval.approver_role && !byRole) {
    return { allowed: false, reason: `Only the ${approval.approver_role} role may decide this.` };
  }
  return { allowed: true };
}
