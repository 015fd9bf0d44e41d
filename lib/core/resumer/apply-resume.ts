import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { approvalDecisions, approvalRequests } from '../../db/schema';
import { CLEARED_PAUSE, leaseUntil, type ExecutionChange } from '../engine/run-execution';
import { approvalBranch, type JsonObject } from '../engine/execute-step';
import { loadDefinition } from '../engine/workflow-definitions';
import { AppError } from '../errors';

export type ResumeSource = 'api' | 'worker';

/**
 * The paused → running transition, shared by the resume route and the worker. The caller has
 * checked the execution is paused and commits `change` (after running steps on, if it likes) with a
 * compare-and-set. An approval pause reads and writes its approval request here: then `tx` must be
 * the transaction holding the execution's row lock. Other pauses touch nothing but `change`.
 */
export async function applyResume(
  tx: DbOrTx,
  change: ExecutionChange,
  opts: { data: JsonObject; actor: string; now: Date; source: ResumeSource; comment?: string | null },
): Promise<void> {
  const { data, actor, now } = opts;
  const row = change.current;
  let next: string | null = row.nextStepId;
  let endAs: 'rejected' | null = null;

  if (row.pauseKind === 'approval') {
    if (typeof data.approved !== 'boolean') {
      throw new AppError('validation_failed', 'resume_data.approved must be true or false (a JSON boolean) to resume an approval pause');
    }
    const def = await loadDefinition(tx, row.workflowId);
    const branch = approvalBranch(row.pausedStepId ? def.byId.get(row.pausedStepId) : undefined, data.approved);
    next = branch.next;
    endAs = branch.endAs;
    if (opts.source === 'api' && !row.decidedAt) {
      // A manual resume decides the pending approval: record it like any other decision.
      const [pending] = await tx
        .select()
        .from(approvalRequests)
        .where(and(eq(approvalRequests.executionId, row.id), eq(approvalRequests.status, 'pending')))
        .for('update');
      if (pending) {
        await tx
          .insert(approvalDecisions)
          .values({ approvalId: pending.id, actor, decision: data.approved ? 'approve' : 'reject', comment: opts.comment ?? 'decided by a manual resume', createdAt: now })
          .onConflictDoNothing();
        await tx
          .update(approvalRequests)
          .set({ status: data.approved ? 'approved' : 'rejected', decidedAt: now, version: pending.version + 1 })
          .where(and(eq(approvalRequests.id, pending.id), eq(approvalRequests.version, pending.version)));
        change.event(data.approved ? 'approved' : 'rejected', actor, row.pausedStepId, { approval_id: pending.id, manual_resume: true, final: true }, now);
      }
    }
  }

  const context = { ...(row.context as JsonObject), ...data };
  const resumed = {
    ...CLEARED_PAUSE,
    context,
    resumeData: data,
    resumeCount: row.resumeCount + 1,
    lastResumedAt: now,
  };
  change.event('resumed', actor, row.pausedStepId, { resume_data: data, resume_count: row.resumeCount + 1, next_step_id: next, source: opts.source }, now);

  if (endAs === 'rejected') {
    change.set({ ...resumed, status: 'rejected', completedAt: now, wakeAt: null, waitingUntil: null, currentStepId: null });
    change.event('rejected', actor, row.pausedStepId, { ended: true }, now);
    return;
  }
  change.set({ ...resumed, status: 'running', currentStepId: next, wakeAt: row.waitingUntil ?? leaseUntil(now) });
}
