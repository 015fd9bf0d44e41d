import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { approvalRequests, executionEvents, workflowExecutions } from '../../db/schema';
import { env } from '../../env';
import type { Actor } from '../access/permissions';
import { parseDurationMs } from '../duration';
import { approvalBranch, nextFollowUpMs } from '../engine/execute-step';
import { ExecutionChange } from '../engine/execution-change';
import { loadDefinition } from '../engine/workflow-definitions';
import { AppError } from '../errors';
import { isUuid } from '../ids';
import { assertAssigned } from './assignment';
import { getApproval } from './get-approval';
import { requestBinding } from './payload-version';

export const ZReopenApproval = z.strictObject({ reason: z.string().trim().max(1000).optional() });
export type ReopenApprovalInput = z.infer<typeof ZReopenApproval>;

/** The statuses an execution can be left in by an approval that expired or was rejected. */
const ENDED_BY_APPROVAL = ['rejected', 'expired', 'failed'] as const;

/**
 * Asks again: for a request that expired or was rejected, and whose execution ended because of it
 * (nothing after it ran), a new pending request for the same step — same reason, quorum, role and
 * assignees, a fresh deadline and follow-ups, new mails and decision links through the outbox — and
 * the execution paused there again; nothing earlier re-runs. The one way back from an ended status
 * (the state machine's transitions never leave one): checked here, under the execution's and the
 * request's locks, written with a compare-and-set on the execution's version in one transaction with
 * its `reopened` event. Whoever reopens must be someone who may decide the request (the decision
 * rules: approval:decide, not who started or paused it, assigned to it).
 */
export async function reopenApproval(db: Db, actor: Actor, approvalId: string, input: ReopenApprovalInput = {}, now = new Date()) {
  if (!isUuid(approvalId)) throw new AppError('not_found', `approval ${approvalId} not found`);
  const newId = await db.transaction(async (tx) => {
    const [exec] = await tx
      .select()
      .from(workflowExecutions)
      .where(eq(workflowExecutions.id, sql`(select execution_id from approval_requests where id = ${approvalId}::uuid)`))
      .for('update');
    if (!exec) throw new AppError('not_found', `approval ${approvalId} not found`);
    const [approval] = await tx.select().from(approvalRequests).where(eq(approvalRequests.id, approvalId)).for('update');
    if (!approval) throw new AppError('not_found', `approval ${approvalId} not found`);
    if (!actor.permissions.has('approval:decide')) throw new AppError('forbidden', 'missing permission: approval:decide');
    if (approval.status !== 'expired' && approval.status !== 'rejected') {
      throw new AppError('conflict', `the approval is ${approval.status}; only an expired or rejected request can be reopened`);
    }
    // The request's own events, then nothing of any other step: the execution ended right there.
    const [requested] = await tx
      .select({ id: executionEvents.id, actor: executionEvents.actor })
      .from(executionEvents)
      .where(and(eq(executionEvents.executionId, exec.id), eq(executionEvents.type, 'approval_requested'), sql`${executionEvents.data}->>'approval_id' = ${approval.id}`))
      .limit(1);
    if (!requested) throw new AppError('conflict', 'the request’s opening is not on the timeline; it cannot be reopened');
    const [later] = await tx
      .select({ type: executionEvents.type, stepId: executionEvents.stepId })
      .from(executionEvents)
      .where(
        and(
          eq(executionEvents.executionId, exec.id),
          gt(executionEvents.id, requested.id),
          sql`(${executionEvents.type} in ('step_completed', 'paused', 'waiting', 'approval_requested', 'reopened') or ${executionEvents.stepId} is distinct from ${approval.stepId})`,
        ),
      )
      .orderBy(asc(executionEvents.id))
      .limit(1);
    if (later?.type === 'reopened') throw new AppError('conflict', 'this request was already reopened: a newer request for the step exists');
    if (later) {
      throw new AppError('conflict', `later steps already ran after this request (${later.type}${later.stepId ? ` at ${later.stepId}` : ''}); it cannot be reopened`);
    }
    if (!(ENDED_BY_APPROVAL as readonly string[]).includes(exec.status)) {
      throw new AppError('conflict', `the execution is ${exec.status}, not ended by this request; only an execution that ended because its request expired or was rejected can be reopened`);
    }
    // Who paused it then (the step's actor) stays who paused it: the self-approval rule sees the same people.
    const pausedBy = requested.actor;
    if (actor.id === exec.startedBy || actor.id === pausedBy) {
      throw new AppError('self_approval', 'you started or paused this execution, so you cannot decide (or reopen) its approval');
    }
    await assertAssigned(tx, { approval, actor, startedBy: exec.startedBy, pausedBy, votes: [], now });

    const def = await loadDefinition(tx, exec.workflowId);
    const step = def.byId.get(approval.stepId);
    const timeoutMs = step?.type === 'approval' && step.timeout !== undefined ? parseDurationMs(step.timeout) : null;
    const firstFollowUpMs = nextFollowUpMs(step, 0, false);
    const change = new ExecutionChange(exec);
    change.reopen(
      {
        currentStepId: approval.stepId,
        pausedAt: now,
        pausedReason: approval.reason,
        pausedStepId: approval.stepId,
        nextStepId: approvalBranch(step, true).next,
        pauseKind: 'approval',
        pausedBy,
        pauseExpiresAt: new Date(now.getTime() + (timeoutMs ?? env().PAUSE_MAX_DURATION)),
        decidedAt: null,
        pauseWarnedAt: null,
        resumeData: null,
        callbackKey: null,
      },
      `the execution is ${exec.status}, not ended by this request; only an execution that ended because its request expired or was rejected can be reopened`,
    );
    // The new request is written with the change (and its mails and links through the outbox, in the same transaction).
    const newId = change.approval({
      stepId: approval.stepId,
      reason: approval.reason,
      requiredApprovals: approval.requiredApprovals,
      approverRole: approval.approverRole,
      assignedTo: approval.assignedTo,
      followUpAt: firstFollowUpMs === null ? null : new Date(now.getTime() + firstFollowUpMs),
      createdAt: now,
      // A fresh request: payload version 1 of the context as it stands, the same schema and editable fields.
      ...requestBinding(exec.context, approval),
    });
    change.event('reopened', actor.id, approval.stepId, { approval_id: newId, previous_approval_id: approval.id, previous_status: approval.status, execution_was: exec.status, reason: input.reason ?? null }, now);
    change.event('paused', pausedBy, approval.stepId, { reason: approval.reason, kind: 'approval', reopened: true }, now);
    change.event(
      'approval_requested',
      pausedBy,
      approval.stepId,
      {
        approval_id: newId,
        required_approvals: approval.requiredApprovals,
        approver_role: approval.approverRole,
        ...(approval.assignedTo.length ? { assigned_to: approval.assignedTo } : {}),
      },
      now,
    );
    await change.commit(tx, now);
    return newId;
  });
  return getApproval(db, newId, now);
}
