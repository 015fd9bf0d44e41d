/**
 * Steps, in memory: what each step's outcome does to the execution (applyOutcome) and a run of
 * steps (runSteps). Nothing here reads or writes the database; the caller holds the row (its lock, or
 * a version to compare-and-set on) and commits the ExecutionChange.
 */
import { env } from '../../env';
import type { ExecutionRow } from '../../db/schema';
import { AppError } from '../errors';
import { contextOverLimit } from './context-limit';
import type { CompiledDefinition, Step } from './definition';
import { executeStep, type JsonObject, type StepOutcome } from './execute-step';
import { leaseUntil, type ExecutionChange, type ExecutionPatch } from './execution-change';
import { payloadHash, requestBinding } from '../approvals/payload-version';

function finish(change: ExecutionChange, status: 'completed' | 'failed' | 'rejected', actor: string, now: Date, extra: ExecutionPatch = {}): void {
  const stepId = change.current.currentStepId;
  change.end(status, now, extra);
  change.event(status, actor, stepId, status === 'failed' ? { error: extra.error ?? null } : null, now);
}

/**
 * What a set step that would take the context past MAX_CONTEXT_BYTES does: `refuse` — throw 422
 * context_too_large, so the request that ran it (a start, a resume) writes nothing; `fail` — end the
 * execution as failed with that reason (the worker, or a request's later transactions, where there is
 * nobody left to refuse).
 */
export type OversizeContext = 'refuse' | 'fail';

/** Turns a step's outcome into the execution's next state. */
function applyOutcome(change: ExecutionChange, step: Step, outcome: StepOutcome, actor: string, now: Date, oversize: OversizeContext): void {
  const context = change.current.context as JsonObject;
  if ((outcome.kind === 'advance' || outcome.kind === 'complete') && outcome.context) {
    const over = contextOverLimit(outcome.context, `step ${step.id}`);
    if (over && oversize === 'refuse') throw new AppError('context_too_large', over);
    if (over) return finish(change, 'failed', actor, now, { error: `context_too_large: ${over}` });
  }
  switch (outcome.kind) {
    case 'advance': {
      change.event('step_completed', actor, step.id, { type: step.type, ...outcome.eventData }, now);
      const patch: ExecutionPatch = { context: outcome.context ?? context, currentStepId: outcome.next };
      if (outcome.next === null) return finish(change, 'completed', actor, now, patch);
      return change.set({ ...patch, wakeAt: leaseUntil(now) });
    }
    case 'complete':
      change.event('step_completed', actor, step.id, { type: step.type, ...outcome.eventData }, now);
      return finish(change, 'completed', actor, now, { context: outcome.context ?? context });
    case 'fail':
      return finish(change, 'failed', actor, now, { error: outcome.reason });
    case 'sleep':
      change.event('waiting', actor, step.id, { until: outcome.until.toISOString() }, now);
      return change.set({ waitingUntil: outcome.until, wakeAt: outcome.until });
    case 'pause': {
      const maxMs = outcome.timeoutMs ?? env().PAUSE_MAX_DURATION;
      change.set({
        status: 'paused',
        wakeAt: null,
        pausedAt: now,
        pausedReason: outcome.reason,
        pausedStepId: step.id,
        nextStepId: outcome.nextStepId,
        pauseKind: outcome.pauseKind,
        pausedBy: actor,
        pauseExpiresAt: new Date(now.getTime() + maxMs),
        decidedAt: null,
        pauseWarnedAt: null,
        resumeData: null,
        callbackKey: outcome.callbackKey ?? null,
      });
      change.event('paused', actor, step.id, { reason: outcome.reason, kind: outcome.pauseKind, ...(outcome.callbackKey ? { callback_key: outcome.callbackKey } : {}) }, now);
      if (outcome.approval) {
        const approvalId = change.approval({
          stepId: step.id,
          reason: outcome.approval.reason,
          requiredApprovals: outcome.approval.requiredApprovals,
          approverRole: outcome.approval.approverRole,
          assignedTo: outcome.approval.assignees,
          followUpAt: outcome.approval.firstFollowUpMs === null ? null : new Date(now.getTime() + outcome.approval.firstFollowUpMs),
          createdAt: now,
          // What the approver is shown, version 1; the step's schema and editable fields (lib/core/approvals/payload-version.ts).
          ...requestBinding(context, outcome.approval),
        });
        change.event(
          'approval_requested',
          actor,
          step.id,
          {
            approval_id: approvalId,
            required_approvals: outcome.approval.requiredApprovals,
            approver_role: outcome.approval.approverRole,
            payload_version: 1,
            payload_hash: payloadHash(context),
            ...(outcome.approval.assignees.length ? { assigned_to: outcome.approval.assignees } : {}),
          },
          now,
        );
      }
      return;
    }
  }
}

/** Whether a running execution can go on now (not ended, not paused, not sleeping). */
export function canGoOn(row: ExecutionRow, now: Date): boolean {
  return row.status === 'running' && !(row.waitingUntil !== null && row.waitingUntil > now);
}

/**
 * Runs up to `maxSteps` steps of an execution whose row lock the caller holds, in memory: the caller
 * commits `change`. Stops when the execution completes, fails, pauses or sleeps. Returns the steps
 * that ran and whether the execution is done for now (false: it hit `maxSteps` and can go on).
 * Every step counts toward the execution's budget (MAX_STEPS_PER_EXECUTION, over all its runs):
 * once spent, the execution fails with that reason instead of running another step.
 */
export function runSteps(
  change: ExecutionChange,
  def: CompiledDefinition,
  actor: string,
  now: Date,
  maxSteps: number,
  opts: { oversizeContext?: OversizeContext } = {},
): { ran: string[]; done: boolean } {
  const ran: string[] = [];
  const budget = env().MAX_STEPS_PER_EXECUTION;
  /** Counts the step about to run; false (and the execution failed) when the budget is spent. */
  const withinBudget = (row: ExecutionRow) => {
    if (row.stepsRun >= budget) {
      finish(change, 'failed', actor, now, { error: `step budget exhausted: ${row.stepsRun} steps run, the limit is ${budget} (MAX_STEPS_PER_EXECUTION)` });
      return false;
    }
    change.set({ stepsRun: row.stepsRun + 1 });
    return true;
  };
  while (ran.length < maxSteps) {
    const row = change.current;
    if (row.status !== 'running') return { ran, done: true };
    if (row.waitingUntil) {
      if (row.waitingUntil > now) return { ran, done: true }; // still sleeping
      if (!withinBudget(row)) return { ran, done: true };
      // The wait is over: the wait step completes now and the execution moves past it.
      const waitStep = row.currentStepId ? def.byId.get(row.currentStepId) : undefined;
      const next = waitStep && waitStep.type === 'wait' ? (waitStep.next ?? null) : null;
      change.event('step_completed', actor, row.currentStepId, { type: 'wait' }, now);
      const patch: ExecutionPatch = { waitingUntil: null, currentStepId: next };
      if (next === null) finish(change, 'completed', actor, now, patch);
      else change.set({ ...patch, wakeAt: leaseUntil(now) });
      if (row.currentStepId) ran.push(row.currentStepId);
      continue;
    }
    if (row.currentStepId === null) {
      finish(change, 'completed', actor, now);
      return { ran, done: true };
    }
    const step = def.byId.get(row.currentStepId);
    if (!step) {
      finish(change, 'failed', actor, now, { error: `unknown step ${row.currentStepId}` });
      return { ran, done: true };
    }
    if (!withinBudget(row)) return { ran, done: true };
    applyOutcome(change, step, executeStep(step, row.context as JsonObject, now), actor, now, opts.oversizeContext ?? 'fail');
    ran.push(step.id);
  }
  return { ran, done: !canGoOn(change.current, now) };
}
