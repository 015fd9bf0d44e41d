import type { DbOrTx } from '../../db/client';
import { contextOverLimit } from '../engine/context-limit';
import { CLEARED_PAUSE, leaseUntil, type ExecutionChange } from '../engine/execution-change';
import { approvalBranch, type JsonObject } from '../engine/execute-step';
import { loadDefinition } from '../engine/workflow-definitions';
import { AppError } from '../errors';
import { assertMatchesSchema } from '../approvals/input-schema';

export type ResumeSource = 'api' | 'worker';

/**
 * The paused → running transition, shared by the resume route and the worker. The caller has
 * checked the execution is paused and commits `change` (after running steps on, if it likes) with a
 * compare-and-set. An approval pause is resumed only with its decision (`data.approved` a boolean):
 * by the worker once decided, or by the resume route right after the vote that decided it (see
 * resumeExecution) — the vote itself, and every rule about who may cast it, is castVote's.
 */
export async function applyResume(
  tx: DbOrTx,
  change: ExecutionChange,
  opts: { data: JsonObject; actor: string; now: Date; source: ResumeSource },
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
  } else if (opts.source === 'api') {
    // A pause step's input_schema: the resume's data must match it (422 naming the path, nothing written).
    const step = row.pausedStepId ? (await loadDefinition(tx, row.workflowId)).byId.get(row.pausedStepId) : undefined;
    if (step?.type === 'pause' && step.input_schema) assertMatchesSchema(step.input_schema, data, 'resume_data');
  }

  const context = { ...(row.context as JsonObject), ...data };
  const over = contextOverLimit(context, 'resume_data');
  // A request is refused (nothing written); the worker, with nobody to refuse, ends the execution.
  if (over && opts.source === 'api') throw new AppError('context_too_large', over);
  if (over) {
    change.end('failed', now, { ...CLEARED_PAUSE, error: `context_too_large: ${over}` });
    change.event('failed', actor, row.pausedStepId, { error: `context_too_large: ${over}` }, now);
    return;
  }
  const resumed = {
    ...CLEARED_PAUSE,
    context,
    resumeData: data,
    resumeCount: row.resumeCount + 1,
    lastResumedAt: now,
  };
  change.event('resumed', actor, row.pausedStepId, { resume_data: data, resume_count: row.resumeCount + 1, next_step_id: next, source: opts.source }, now);

  if (endAs === 'rejected') {
    change.end('rejected', now, { ...resumed, currentStepId: null });
    change.event('rejected', actor, row.pausedStepId, { ended: true }, now);
    return;
  }
  change.set({ ...resumed, status: 'running', currentStepId: next, wakeAt: row.waitingUntil ?? leaseUntil(now) });
}
