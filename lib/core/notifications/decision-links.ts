/**
 * What a decision link shows and decides. A GET never decides (mail scanners open links): it only
 * describes the request. The decision is a POST, recorded as the link's recipient through the one
 * decide path (decideApproval) under every usual rule.
 */
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db, DbOrTx } from '../../db/client';
import { approvalDecisions, approvalRequests, decisionLinks, users, workflowExecutions, workflows } from '../../db/schema';
import { isRole, linkActor, ROLE_PERMISSIONS } from '../access/permissions';
import { activeDelegators, assignedDirectly } from '../approvals/assignment';
import { decideApproval, type DecideApprovalInput } from '../approvals/decide-approval';
import { toDecisionDto, ZApprovalDecision, ZApprovalRequest } from '../approvals/approval-dto';
import { ZId, ZTimestamp } from '../dto';
import { APPROVAL_STATUSES } from '../engine/state-machine';
import { AppError } from '../errors';
import { hashLinkToken, isLinkTokenShaped } from './links';

export const LINK_STATES = ['open', 'decided', 'expired', 'used', 'reassigned'] as const;
export type LinkState = (typeof LINK_STATES)[number];

/** What a decision link's page shows (GET /api/v1/decision-links/{token}, and the answer to a decision through it). */
export const ZDecisionLink = z.strictObject({
  state: z.enum(LINK_STATES),
  message: z.string(),
  recipient: z.string(),
  on_behalf_of: z.string().nullable(),
  expires_at: ZTimestamp,
  csrf_token: z.string().nullable().meta({ description: 'Send as the X-CSRF-Token header of the decision; null once the link is closed' }),
  approval: z.strictObject({
    id: ZId,
    status: z.enum(APPROVAL_STATUSES),
    workflow_name: z.string(),
    reason: z.string(),
    step_id: z.string(),
    required_approvals: z.number().int(),
    approvals_received: z.number().int(),
    created_at: ZTimestamp,
    decided_at: ZTimestamp.nullable(),
    deadline: ZTimestamp.nullable(),
    started_by: z.string(),
    payload: z.unknown().meta({ description: 'What the approver is shown: the execution’s context, at payload_version' }),
    payload_version: ZApprovalRequest.shape.payload_version,
    payload_hash: ZApprovalRequest.shape.payload_hash,
    input_schema: ZApprovalRequest.shape.input_schema,
    editable: ZApprovalRequest.shape.editable,
    decisions: z.array(ZApprovalDecision),
  }),
});
export type DecisionLinkDto = z.infer<typeof ZDecisionLink>;

async function loadLink(db: DbOrTx, token: string) {
  if (!isLinkTokenShaped(token)) return null;
  const [row] = await db
    .select({ link: decisionLinks, a: approvalRequests, e: workflowExecutions, workflowName: workflows.name, user: users })
    .from(decisionLinks)
    .innerJoin(approvalRequests, eq(approvalRequests.id, decisionLinks.approvalId))
    .innerJoin(workflowExecutions, eq(workflowExecutions.id, approvalRequests.executionId))
    .innerJoin(workflows, eq(workflows.id, workflowExecutions.workflowId))
    .leftJoin(users, eq(users.email, decisionLinks.recipient))
    .where(eq(decisionLinks.tokenHash, hashLinkToken(token)));
  return row ?? null;
}

/** Open, or why not — in the words the page shows. */
async function stateOf(db: DbOrTx, row: NonNullable<Awaited<ReturnType<typeof loadLink>>>, votes: { actor: string; onBehalfOf: string | null }[], now: Date): Promise<{ state: LinkState; onBehalfOf: string | null }> {
  const { link, a, e, user } = row;
  if (a.status !== 'pending' || e.decidedAt) return { state: a.status === 'expired' ? 'expired' : 'decided', onBehalfOf: null };
  const me = link.recipient;
  if (link.usedAt || votes.some((v) => v.actor === me || v.onBehalfOf === me)) return { state: 'used', onBehalfOf: null };
  if (link.expiresAt <= now || (e.pauseExpiresAt && e.pauseExpiresAt <= now)) return { state: 'expired', onBehalfOf: null };
  if (!user || !isRole(user.role) || !ROLE_PERMISSIONS[user.role].includes('approval:decide')) return { state: 'reassigned', onBehalfOf: null };
  if (assignedDirectly(a, me, user.role)) return { state: 'open', onBehalfOf: null };
  for (const d of await activeDelegators(db, me, now)) {
    if (d.email !== e.startedBy && d.email !== e.pausedBy && assignedDirectly(a, d.email, d.role) && !votes.some((v) => v.actor === d.email || v.onBehalfOf === d.email)) {
      return { state: 'open', onBehalfOf: d.email };
    }
  }
  return { state: 'reassigned', onBehalfOf: null };
}

const MESSAGES: Record<LinkState, string> = {
  open: 'Approve or reject below. Opening this page decides nothing.',
  decided: 'This request has been decided; the link decides nothing more.',
  expired: 'This link has expired; it decides nothing.',
  used: 'You have already decided this request; the link decides nothing more.',
  reassigned: 'This request is no longer yours to decide; the link decides nothing.',
};

/** The page's view of a link, or null for a token that is not one of ours (forged, mistyped). */
export async function viewDecisionLink(db: DbOrTx, token: string, now = new Date()) {
  const row = await loadLink(db, token);
  if (!row) return null;
  const decisions = await db
    .select()
    .from(approvalDecisions)
    .where(eq(approvalDecisions.approvalId, row.a.id))
    .orderBy(asc(approvalDecisions.createdAt));
  const { state, onBehalfOf } = await stateOf(db, row, decisions, now);
  const { link, a, e } = row;
  return {
    link_id: link.id,
    state,
    message: MESSAGES[state],
    recipient: link.recipient,
    on_behalf_of: onBehalfOf,
    expires_at: link.expiresAt.toISOString(),
    approval: {
      id: a.id,
      status: a.status,
      workflow_name: row.workflowName,
      reason: a.reason,
      step_id: a.stepId,
      required_approvals: a.requiredApprovals,
      approvals_received: a.approvalsReceived,
      created_at: a.createdAt.toISOString(),
      decided_at: a.decidedAt?.toISOString() ?? null,
      deadline: e.pauseExpiresAt?.toISOString() ?? null,
      started_by: e.startedBy,
      payload: e.context,
      payload_version: a.payloadVersion,
      payload_hash: a.payloadHash,
      input_schema: a.inputSchema ?? null,
      editable: a.editable,
      decisions: decisions.map((d) => toDecisionDto(d, a.payloadVersion)),
    },
  };
}

export type DecisionLinkView = NonNullable<Awaited<ReturnType<typeof viewDecisionLink>>>;

/**
 * Decides through a link, as its recipient. 404 for a token that is not ours; 410 `link_closed`
 * when the link can no longer decide (decided, expired, used, reassigned) — also when it closed
 * between the page loading and the POST. Returns the link's view after the decision.
 */
export async function decideByLink(db: Db, token: string, decision: 'approve' | 'reject', input: DecideApprovalInput, now = new Date()): Promise<DecisionLinkView> {
  const view = await viewDecisionLink(db, token, now);
  if (!view) throw new AppError('not_found', 'unknown decision link');
  if (view.state !== 'open') throw new AppError('link_closed', view.message);
  const [user] = await db.select().from(users).where(eq(users.email, view.recipient));
  if (!user) throw new AppError('link_closed', MESSAGES.reassigned);
  try {
    await decideApproval(db, linkActor(user, { id: view.link_id, approvalId: view.approval.id }), view.approval.id, decision, input, now);
  } catch (e) {
    // Someone (or the recipient elsewhere) got there first, or the request was reassigned meanwhile.
    if (e instanceof AppError && ['not_pending', 'already_decided', 'forbidden', 'conflict'].includes(e.code)) {
      const after = await viewDecisionLink(db, token, now);
      throw new AppError('link_closed', after && after.state !== 'open' ? after.message : e.message);
    }
    throw e;
  }
  return (await viewDecisionLink(db, token, now))!;
}
