import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { approvalDecisions, approvalRequests, workflowExecutions } from '../../db/schema';
import type { Actor } from '../access/permissions';
import { casUpdateExecution, recordEvent } from '../engine/run-execution';
import { AppError } from '../errors';
import { isUuid } from '../pagination';
import { getApproval } from './list-approvals';

export const ZDecideApproval = z.strictObject({ comment: z.string().trim().max(2000).optional() });
export type DecideApprovalInput = z.infer<typeof ZDecideApproval>;

/** The channel the worker LISTENs on: a decision is resumed within a second, not at the next sweep. */
export const DECISION_CHANNEL = 'wr_execution_decided';

/**
 * Records one approver's decision. When the outcome is final — the required approvals reached, or
 * any rejection — the execution's resume_data gets the decision in the same transaction and the
 * worker is notified. Locks the execution first, then the request (the same order as a manual
 * resume), so an approve racing a reject or a resume serialises instead of deadlocking.
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
  await db.transaction(async (tx) => {
    const [ref] = await tx.select({ executionId: approvalRequests.executionId }).from(approvalRequests).where(eq(approvalRequests.id, approvalId));
    if (!ref) throw new AppError('not_found', `approval ${approvalId} not found`);
    const [exec] = await tx.select().from(workflowExecutions).where(eq(workflowExecutions.id, ref.executionId)).for('update');
    const [approval] = await tx.select().from(approvalRequests).where(eq(approvalRequests.id, approvalId)).for('update');
    if (!exec || !approval) throw new AppError('not_found', `approval ${approvalId} not found`);

    const previous = await tx.select().from(approvalDecisions).where(eq(approvalDecisions.approvalId, approvalId));
    if (approval.status !== 'pending' || exec.status !== 'paused' || exec.decidedAt) {
      const by = previous.map((d) => d.actor).join(', ');
      throw new AppError('not_pending', `approval is already ${approval.status === 'pending' ? 'decided' : approval.status}${by ? ` by ${by}` : ''}`);
    }
    if (previous.some((d) => d.actor === actor.id)) throw new AppError('already_decided', 'you have already decided this approval');
    if (actor.id === exec.startedBy || actor.id === exec.pausedBy) {
      throw new AppError('self_approval', 'you started or paused this execution, so you cannot decide its approval');
    }
    if (approval.approverRole && actor.role !== approval.approverRole && actor.role !== 'admin') {
      throw new AppError('forbidden', `this approval needs the ${approval.approverRole} role`);
    }

    await tx.insert(approvalDecisions).values({ approvalId, actor: actor.id, decision, comment, createdAt: now });
    const received = approval.approvalsReceived + (decision === 'approve' ? 1 : 0);
    const final = decision === 'reject' || received >= approval.requiredApprovals;
    const status = final ? (decision === 'approve' ? 'approved' : 'rejected') : 'pending';
    const changed = await tx
      .update(approvalRequests)
      .set({ approvalsReceived: received, status, decidedAt: final ? now : null, version: approval.version + 1 })
      .where(and(eq(approvalRequests.id, approvalId), eq(approvalRequests.version, approval.version)))
      .returning({ id: approvalRequests.id });
    if (changed.length === 0) throw new AppError('conflict', 'the approval changed while deciding; retry');
    await recordEvent(
      tx,
      exec.id,
      decision === 'approve' ? 'approved' : 'rejected',
      actor.id,
      approval.stepId,
      { approval_id: approvalId, comment, approvals_received: received, required_approvals: approval.requiredApprovals, final },
      now,
    );
    if (final) {
      const approvers = [...previous.filter((d) => d.decision === 'approve').map((d) => d.actor), ...(decision === 'approve' ? [actor.id] : [])];
      await casUpdateExecution(
        tx,
        exec,
        {
          resumeData: {
            approved: decision === 'approve',
            approval_id: approvalId,
            decided_by: actor.id,
            approvers,
            comment,
            decided_at: now.toISOString(),
          },
          decidedAt: now,
        },
        now,
      );
      await tx.execute(sql`select pg_notify(${DECISION_CHANNEL}, ${exec.id})`);
    }
  });
  return getApproval(db, approvalId, now);
}
