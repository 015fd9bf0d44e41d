import type { Role } from '../access/permissions';
import type { Step } from './definition';
import { parseDurationMs } from '../duration';
import { evaluateCondition } from './evaluate-condition';
import { resolveCallbackKey } from '../callbacks/callback-key';

export type JsonObject = Record<string, unknown>;

export type ApprovalSpec = {
  reason: string;
  requiredApprovals: number;
  approverRole: Role | null;
  /** People the step names; with them or a role set, only they may decide. */
  assignees: string[];
  /** When the first follow-up (reminder or escalation) is due, from the request's creation; null: none. */
  firstFollowUpMs: number | null;
  /** The step's JSON Schema for decisions' `data`, and the payload fields approvers may edit. */
  inputSchema?: Record<string, unknown> | null;
  editable?: string[];
};

/** Reminders and escalation of an approval step, in ms from the request's creation. */
export function followUpsOf(step: Step | undefined): { remindMs: number[]; escalateMs: number | null } {
  if (!step || step.type !== 'approval') return { remindMs: [], escalateMs: null };
  return {
    remindMs: (step.remind_after ?? []).map((d) => parseDurationMs(d) ?? 0),
    escalateMs: step.escalate_after === undefined ? null : (parseDurationMs(step.escalate_after) ?? 0),
  };
}

/** The next follow-up after `remindersSent` reminders (and the escalation unless done): ms from creation, or null. */
export function nextFollowUpMs(step: Step | undefined, remindersSent: number, escalated: boolean): number | null {
  const { remindMs, escalateMs } = followUpsOf(step);
  const due = [...(remindMs[remindersSent] !== undefined ? [remindMs[remindersSent]!] : []), ...(escalateMs !== null && !escalated ? [escalateMs] : [])];
  return due.length ? Math.min(...due) : null;
}

/** What running one step decides. Pure: the engine turns it into one transaction. */
export type StepOutcome =
  | { kind: 'advance'; next: string | null; context?: JsonObject; eventData?: JsonObject }
  | { kind: 'complete'; context?: JsonObject; eventData?: JsonObject }
  | { kind: 'fail'; reason: string }
  | { kind: 'sleep'; until: Date }
  | {
      kind: 'pause';
      pauseKind: 'approval' | 'callback';
      reason: string;
      /** Where a resume continues when nothing else decides it (approvals branch on the decision). */
      nextStepId: string | null;
      timeoutMs: number | null;
      approval: ApprovalSpec | null;
      /** The resolved `callback_key` of a pause step (lib/core/callbacks), or null. */
      callbackKey?: string | null;
    };

export function executeStep(step: Step, context: JsonObject, now: Date): StepOutcome {
  switch (step.type) {
    case 'condition': {
      const result = evaluateCondition(step.condition, context);
      return { kind: 'advance', next: (result ? step.on_true : step.on_false) ?? null, eventData: { result } };
    }
    case 'action': {
      const a = step.action;
      switch (a.type) {
        case 'allow':
          return { kind: 'complete', eventData: { action: 'allow' } };
        case 'set':
          return { kind: 'advance', next: step.next ?? null, context: { ...context, ...a.values }, eventData: { action: 'set', keys: Object.keys(a.values) } };
        case 'fail':
          return { kind: 'fail', reason: a.reason };
        case 'log':
          return { kind: 'advance', next: step.next ?? null, eventData: { action: 'log', message: a.message ?? null } };
        case 'block':
          // The `block` action: a single approval, continue at `next` when approved.
          return {
            kind: 'pause',
            pauseKind: 'approval',
            reason: a.reason,
            nextStepId: step.next ?? null,
            timeoutMs: null,
            approval: { reason: a.reason, requiredApprovals: 1, approverRole: null, assignees: [], firstFollowUpMs: null },
          };
      }
      break;
    }
    case 'approval':
      return {
        kind: 'pause',
        pauseKind: 'approval',
        reason: step.reason,
        nextStepId: step.on_approve ?? step.next ?? null,
        timeoutMs: step.timeout === undefined ? null : parseDurationMs(step.timeout),
        approval: {
          reason: step.reason,
          requiredApprovals: step.required_approvals ?? 1,
          approverRole: step.approver_role ?? null,
          assignees: step.assignees ?? [],
          firstFollowUpMs: nextFollowUpMs(step, 0, false),
          inputSchema: step.input_schema ?? null,
          editable: step.editable ?? [],
        },
      };
    case 'pause': {
      const resolved = step.callback_key === undefined ? null : resolveCallbackKey(step.callback_key, context);
      if (resolved && 'error' in resolved) return { kind: 'fail', reason: `invalid callback key: ${resolved.error}` };
      return {
        kind: 'pause',
        pauseKind: 'callback',
        reason: step.reason ?? 'Awaiting external callback',
        nextStepId: step.next ?? null,
        timeoutMs: step.timeout === undefined ? null : parseDurationMs(step.timeout),
        approval: null,
        ...(resolved ? { callbackKey: resolved.key } : {}),
      };
    }
    case 'wait':
      return { kind: 'sleep', until: new Date(now.getTime() + (parseDurationMs(step.duration) ?? 0)) };
  }
}

/** Where an approval pause continues once decided; null next with approved=false means "end as rejected". */
export function approvalBranch(step: Step | undefined, approved: boolean): { next: string | null; endAs: 'rejected' | null } {
  if (!step) return { next: null, endAs: approved ? null : 'rejected' };
  if (step.type === 'approval') {
    if (approved) return { next: step.on_approve ?? step.next ?? null, endAs: null };
    return step.on_reject ? { next: step.on_reject, endAs: null } : { next: null, endAs: 'rejected' };
  }
  if (step.type === 'action' && step.action.type === 'block') {
    return approved ? { next: step.next ?? null, endAs: null } : { next: null, endAs: 'rejected' };
  }
  return { next: null, endAs: approved ? null : 'rejected' };
}
