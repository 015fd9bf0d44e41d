import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { approvalDecisions, approvalRequests, workflowExecutions, workflows, type ApprovalDecisionRow } from '../../db/schema';
import type { Actor } from '../access/permissions';
import { casUpdateExecution, recordEvent } from '../engine/run-execution';
import { AppError } from '../errors';
import { isUuid } from '../pagination';
import { toApprovalDtos } from './approval-dto';

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
  const result = await db.transaction(async (tx) => {
    // The execution first (found through the request in the same statement), then the request with
    // the decisions so far: two statements, the lock order of a manual resume.
    const [found] = await tx
      .select({ exec: workflowExecutions, workflowName: workflows.name })
      .from(workflowExecutions)
      .innerJoin(workflows, eq(workflows.id, workflowExecutions.workflowId))
      .where(eq(workflowExecutions.id, sql`(select ${approvalRequests.executionId} from ${approvalRequests} where ${approvalRequests.id} = ${approvalId}::uuid)`))
      .for('update', { of: workflowExecutions });
    if (!found) throw new AppError('not_found', `approval ${approvalId} not found`);
    const exec = found.exec;
    const locked = await tx
      .select({ approval: approvalRequests, decision: approvalDecisions })
      .from(approvalRequests)
      .leftJoin(approvalDecisions, eq(approvalDecisions.approvalId, approvalRequests.id))
      .where(eq(approvalRequests.id, approvalId))
      .orderBy(asc(approvalDecisions.createdAt))
      .for('update', { of: approvalRequests });
    const approval = locked[0]?.approval;
    if (!approval) throw new AppError('not_found', `approval ${approvalId} not found`);
    const previous: ApprovalDecisionRow[] = locked.flatMap((r) => (r.decision ? [r.decision] : []));
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

    const [mine] = await tx.insert(approvalDecisions).values({ approvalId, actor: actor.id, decision, comment, createdAt: now }).returning();
    const received = approval.approvalsReceived + (decision === 'approve' ? 1 : 0);
    const final = decision === 'reject' || received >= approval.requiredApprovals;
    const status = final ? (decision === 'approve' ? 'approved' : 'rejected') : 'pending';
    const [changed] = await tx
      .update(approvalRequests)
      .set({ approvalsReceived: received, status, decidedAt: final ? now : null, version: approval.version + 1 })
      .where(and(eq(approvalRequests.id, approvalId), eq(approvalRequests.version, approval.version)))
      .returning();
    if (!changed) throw new AppError('conflict', 'the approval changed while deciding; retry');
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
    return { approval: changed, exec, workflowName: found.workflowName, decisions: [...previous, mine!] };
  });
  // The answer is built from what the transaction read and wrote: no second round of queries.
  const { approval, exec, workflowName, decisions } = result;
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
    decisions,
  );
  return dto!;
}
