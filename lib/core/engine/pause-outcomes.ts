/**
 * Where a paused execution goes from here, in words: on approve, on reject, and when its deadline
 * passes. The same branch rules the resume and the expiry apply (approvalBranch, on_timeout), so
 * what the console and the ops summary say is what will happen.
 */
import type { Step } from './definition';
import { approvalBranch } from './execute-step';

export type Outcome = {
  /** The step it continues at, or null when it ends. */
  next: string | null;
  /** How it ends when it does not continue. */
  ends: 'completed' | 'rejected' | 'expired' | 'failed' | null;
  /** "continues at fulfil", "ends as rejected", "completes". */
  text: string;
};

function branchOutcome(step: Step | undefined, approved: boolean): Outcome {
  const b = approvalBranch(step, approved);
  if (b.endAs === 'rejected') return { next: null, ends: 'rejected', text: 'ends as rejected' };
  return b.next ? { next: b.next, ends: null, text: `continues at ${b.next}` } : { next: null, ends: 'completed', text: 'completes' };
}

/** For an approval pause at `step`: what each decision leads to. */
export function decisionOutcomes(step: Step | undefined): { approve: Outcome; reject: Outcome } {
  return { approve: branchOutcome(step, true), reject: branchOutcome(step, false) };
}

/**
 * What the worker does when the pause's deadline passes (lib/core/worker/expire-paused-executions.ts):
 * an approval follows its on_timeout (reject by default; a reject without an on_reject branch
 * expires); any other pause expires.
 */
export function timeoutOutcome(step: Step | undefined, pauseKind: string | null): Outcome {
  if (pauseKind !== 'approval') return { next: null, ends: 'expired', text: 'expires' };
  const onTimeout = step?.type === 'approval' ? (step.on_timeout ?? 'reject') : 'reject';
  if (onTimeout === 'fail') return { next: null, ends: 'failed', text: 'fails' };
  if (onTimeout === 'approve') {
    const o = branchOutcome(step, true);
    return { ...o, text: `is approved automatically and ${o.text}` };
  }
  const hasRejectBranch = step?.type === 'approval' && step.on_reject !== undefined;
  if (!hasRejectBranch) return { next: null, ends: 'expired', text: 'expires' };
  const o = branchOutcome(step, false);
  return { ...o, text: `is rejected automatically and ${o.text}` };
}
