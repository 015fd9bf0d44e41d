import { z } from 'zod';
import { rowMapper, selectionMapper, type Db, type DbOrTx } from '../../db/client';
import { runStatement } from '../../db/sql';
import { DECIDE_LOCK_APPROVAL, DECIDE_LOCK_EXECUTION, DECIDE_LOCK_PENDING_OF_EXECUTION, DECIDE_RECORD } from '../../db/sql/decide-approval';
import {
  approvalDecisions,
  approvalRequests,
  NOTIFICATION_STATUS_COLUMNS,
  workflowExecutions,
  type ApprovalDecisionRow,
  type ApprovalRow,
  type ExecutionRow,
  type NotificationStatusRow,
} from '../../db/schema';
import type { Actor } from '../access/permissions';
import { assertContextFits } from '../engine/context-limit';
import { ExecutionChange } from '../engine/execution-change';
import type { JsonObject } from '../engine/execute-step';
import { AppError } from '../errors';
import { isUuid } from '../ids';
import { toApprovalDtos } from './approval-dto';
import { notifyDecided, type MessagesSoFar } from '../notifications/outbox';
import { assertAssigned } from './assignment';
import { assertMayDecide } from './decision-rules';
import { applyEdits } from './approval-edits';
import { assertMatchesSchema } from './input-schema';
import { assertCurrentPayload, currentVotes } from './payload-version';

const ZDataObject = z.record(z.string(), z.unknown(), { error: 'must be a JSON object' });

export const ZDecideApproval = z.strictObject({
  comment: z.string().trim().max(2000).optional(),
  data: ZDataObject.optional().meta({ description: 'The decision’s input, validated against the step’s `input_schema` (422 naming the failing path); lands in resume_data and the context' }),
  payload_version: z
    .number()
    .int()
    .min(1)
    .optional()
    .meta({ description: 'The payload version the approver was shown; 409 `payload_changed` when the payload has changed since' }),
  edits: ZDataObject.optional().meta({
    description: 'Approve with edits: new values for fields the step lists as `editable` (validated by `input_schema`); makes payload version n+1 and counts as the editor’s approval of it',
  }),
});
export type DecideApprovalInput = z.infer<typeof ZDecideApproval>;

/** The channel the worker LISTENs on: a decision is resumed within a second, not at the next sweep. */
export const DECISION_CHANNEL = 'wr_execution_decided';

const fromExecution = rowMapper<ExecutionRow>(workflowExecutions);
const fromApproval = rowMapper<ApprovalRow>(approvalRequests);
const fromDecision = rowMapper<ApprovalDecisionRow>(approvalDecisions);
const fromNotification = selectionMapper<NotificationStatusRow>(NOTIFICATION_STATUS_COLUMNS);

/**
 * A request locked for deciding: its execution (locked first), the request, the decisions so far,
 * and its messages so far (delivery status; for the answer and for telling the outcome).
 */
export type LockedApproval = {
  execution: ExecutionRow;
  approval: ApprovalRow;
  decisions: ApprovalDecisionRow[];
  notifications: NotificationStatusRow[];
  messagesSoFar: MessagesSoFar;
};

export type Vote = {
  decision: 'approve' | 'reject';
  comment: string | null;
  /** The decision's input (validated against the request's input schema). */
  data?: JsonObject;
  /** The payload version the voter was shown; undefined: not said (API clients of old). */
  payloadVersion?: number;
};

/**
 * The vote's data against the request's input schema: an approval must match it (required fields
 * included); a rejection need not fill the form, but data it sends must match.
 */
function assertVoteData(approval: ApprovalRow, vote: Vote): void {
  // An editable payload field changes by edits (a new payload version), never by data.
  const editable = Object.keys(vote.data ?? {}).find((k) => approval.editable.includes(k));
  if (editable !== undefined) {
    const message = 'is an editable payload field: change it with edits, not data';
    throw new AppError('validation_failed', `data.${editable}: ${message}`, [{ path: `data.${editable}`, message }]);
  }
  if (!approval.inputSchema) return;
  if (vote.decision === 'approve' || vote.data !== undefined) assertMatchesSchema(approval.inputSchema, vote.data ?? {}, 'data');
}

function lockedRequest(raw: Record<string, unknown>) {
  const messages = raw.wr_notifications as (Record<string, unknown> & { wr_user_name: string | null })[];
  const asked = new Map<string, string>();
  for (const m of messages) if (m.channel === 'email' && m.wr_user_name !== null) asked.set(m.recipient as string, m.wr_user_name);
  return {
    approval: fromApproval(raw),
    decisions: (raw.wr_decisions as Record<string, unknown>[]).map(fromDecision),
    notifications: messages.map(fromNotification),
    messagesSoFar: { asked: [...asked].map(([email, name]) => ({ email, name })), webhookTold: messages.some((m) => m.channel === 'webhook') },
  };
}

/**
 * The pending approval request of an execution whose row lock the caller holds, locked, with the
 * decisions so far; null when it has none.
 */
export async function lockPendingApproval(tx: DbOrTx, execution: ExecutionRow): Promise<LockedApproval | null> {
  const [raw] = await runStatement(tx, DECIDE_LOCK_PENDING_OF_EXECUTION, [execution.id]);
  return raw ? { execution, ...lockedRequest(raw) } : null;
}

/**
 * One person's vote on a locked request — the same for every decision path: the rules
 * (assertMayDecide), then the decision, the request's new tally (compare-and-set on its version)
 * and the timeline event, in one statement. When the vote makes the outcome final — the required
 * approvals reached, or any rejection — returns the decision as the execution's resume data (checked
 * against MAX_CONTEXT_BYTES before anything is written); the caller resumes with it.
 */
export async function castVote(tx: DbOrTx, actor: Actor, target: LockedApproval, vote: Vote, now: Date) {
  assertMayDecide(actor, target);
  const { execution: exec, approval, decisions: previous } = target;
  // Role, assignees, escalation, delegation and decision links: lib/core/approvals/assignment.ts.
  // Votes on an older payload version are stale: they neither count nor stop anyone voting again.
  const counted = currentVotes(previous, approval);
  const { onBehalfOf } = await assertAssigned(tx, { approval, actor, startedBy: exec.startedBy, pausedBy: exec.pausedBy, votes: counted, now });
  assertCurrentPayload(approval, vote.payloadVersion);
  assertVoteData(approval, vote);
  const received = approval.approvalsReceived + (vote.decision === 'approve' ? 1 : 0);
  const final = vote.decision === 'reject' || received >= approval.requiredApprovals;
  const at = now.toISOString();
  // The data of the approvals that count (oldest first, a later one's fields win) and this vote's.
  const approving = counted.filter((d) => d.decision === 'approve');
  const data = Object.assign({}, ...(vote.decision === 'approve' ? approving.map((d) => d.data ?? {}) : []), vote.data ?? {}) as JsonObject;
  const resumeData = final
    ? {
        ...data,
        approved: vote.decision === 'approve',
        approval_id: approval.id,
        decided_by: actor.id,
        approvers: [...approving.map((d) => d.actor), ...(vote.decision === 'approve' ? [actor.id] : [])],
        comment: vote.comment,
        decided_at: at,
        payload_version: approval.payloadVersion,
      }
    : null;
  if (resumeData) assertContextFits({ ...(exec.context as JsonObject), ...resumeData }, 'the decision');
  const eventData = {
    approval_id: approval.id,
    comment: vote.comment,
    approvals_received: received,
    required_approvals: approval.requiredApprovals,
    final,
    payload_version: approval.payloadVersion,
    ...(vote.data !== undefined ? { data: vote.data } : {}),
    ...(onBehalfOf ? { on_behalf_of: onBehalfOf } : {}),
    ...(actor.link ? { via: 'decision_link' } : {}),
  };
  const [written] = await runStatement(tx, DECIDE_RECORD, [
    approval.id,
    actor.id,
    vote.decision,
    vote.comment,
    at,
    received,
    final ? (vote.decision === 'approve' ? 'approved' : 'rejected') : 'pending',
    final ? at : null,
    approval.version,
    exec.id,
    approval.stepId,
    vote.decision === 'approve' ? 'approved' : 'rejected',
    JSON.stringify(eventData),
    onBehalfOf,
    approval.payloadVersion,
    vote.data === undefined ? null : JSON.stringify(vote.data),
  ]);
  if (!written?.wr_changed) throw new AppError('conflict', 'the approval changed while deciding; retry');
  // A final outcome is told (webhooks, a "no action needed" mail to the others asked) in this transaction.
  const told = final ? await notifyDecided(tx, approval.id, now, target.messagesSoFar) : [];
  return {
    approval: fromApproval(written.wr_changed as Record<string, unknown>),
    decisions: [...previous, fromDecision(written.wr_mine as Record<string, unknown>)],
    notifications: [...target.notifications, ...told],
    resumeData,
  };
}

/**
 * Records one approver's decision (castVote). When the outcome is final, the execution's
 * resume_data gets the decision in the same transaction and the worker is notified. Locks the
 * execution first, then the request (the same order as a resume), so an approve racing a reject or
 * a resume serialises instead of deadlocking.
 */
export async function decideApproval(
  db: Db,
  actor: Actor,
  approvalId: string,
  decision: 'approve' | 'reject',
  input: DecideApprovalInput = {},
  now = new Date(),
) {
  if (!isUuid(approvalId)) throw new AppError('not_found', `approval ${approvalId} not found`);
  const comment = input.comment ? input.comment : null;
  const result = await db.transaction(async (tx) => {
    // The execution first (found through the request in the same statement), then the request with
    // the decisions so far: two statements, the lock order of a resume.
    const [rawExec] = await runStatement(tx, DECIDE_LOCK_EXECUTION, [approvalId]);
    if (!rawExec) throw new AppError('not_found', `approval ${approvalId} not found`);
    const [rawApproval] = await runStatement(tx, DECIDE_LOCK_APPROVAL, [approvalId]);
    if (!rawApproval) throw new AppError('not_found', `approval ${approvalId} not found`);
    let target: LockedApproval = { execution: fromExecution(rawExec), ...lockedRequest(rawApproval) };
    let payloadVersion = input.payload_version;
    if (input.edits !== undefined) {
      if (decision !== 'approve') throw new AppError('validation_failed', 'edits: only an approval can carry edits', [{ path: 'edits', message: 'only an approval can carry edits' }]);
      // Approve with edits: payload version n+1 (lib/core/approvals/approval-edits.ts), then this vote approves it.
      target = await applyEdits(tx, actor, target, input.edits, payloadVersion, now);
      payloadVersion = target.approval.payloadVersion;
    }
    const exec = target.execution;
    const cast = await castVote(tx, actor, target, { decision, comment, data: input.data, payloadVersion }, now);
    if (cast.resumeData) {
      // The decision becomes the execution's resume data (compare-and-set on its version), and the
      // workers hear of it when this transaction commits.
      const change = new ExecutionChange(exec);
      change.set({ resumeData: cast.resumeData, decidedAt: now });
      await change.commit(tx, now, { notify: DECISION_CHANNEL });
    }
    return { approval: cast.approval, exec, workflowName: rawExec.wr_workflow_name as string, decisions: cast.decisions, notifications: cast.notifications };
  });
  // The answer is built from what the transaction read and wrote: no second round of queries.
  const { approval, exec, workflowName, decisions, notifications } = result;
  const [dto] = await toApprovalDtos(
    db,
    [
      {
        a: approval,
        workflowId: exec.workflowId,
        workflowName,
        execution: { status: exec.status, startedBy: exec.startedBy, pausedBy: exec.pausedBy, triggerPayload: exec.triggerPayload, resumeCount: exec.resumeCount, pausedAt: exec.pausedAt },
      },
    ],
    now,
    { decisions, notifications },
  );
  return dto!;
}
