import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Step } from '@/lib/core/engine/definition';
import { approvalBranch, executeStep, type JsonObject } from '@/lib/core/engine/execute-step';

const NOW = new Date('2030-01-01T00:00:00.000Z');
const jsonObject = fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })) as fc.Arbitrary<JsonObject>;

describe('executeStep', () => {
  it('condition: advances to on_true / on_false and records the result; a missing branch ends (next null)', () => {
    const step: Step = { id: 'c', type: 'condition', condition: { field: 'n', operator: '>', value: 5 }, on_true: 'big', on_false: 'small' };
    expect(executeStep(step, { n: 6 }, NOW)).toEqual({ kind: 'advance', next: 'big', eventData: { result: true } });
    expect(executeStep(step, { n: 5 }, NOW)).toEqual({ kind: 'advance', next: 'small', eventData: { result: false } });
    expect(executeStep(step, {}, NOW)).toEqual({ kind: 'advance', next: 'small', eventData: { result: false } });
    const onlyTrue: Step = { id: 'c', type: 'condition', condition: { field: 'n', operator: 'exists' }, on_true: 't' };
    expect(executeStep(onlyTrue, {}, NOW)).toEqual({ kind: 'advance', next: null, eventData: { result: false } });
  });

  it('allow completes (even with a next)', () => {
    expect(executeStep({ id: 'a', type: 'action', action: { type: 'allow' }, next: 'x' }, { k: 1 }, NOW)).toEqual({ kind: 'complete', eventData: { action: 'allow' } });
  });

  it('set merges its values over the context, returns a new object and keeps the input as it was (property)', () => {
    fc.assert(
      fc.property(jsonObject, jsonObject, fc.option(fc.constantFrom('n1', 'n2'), { nil: undefined }), (context, values, next) => {
        const before = structuredClone(context);
        const out = executeStep({ id: 's', type: 'action', action: { type: 'set', values }, next }, context, NOW);
        expect(out).toEqual({ kind: 'advance', next: next ?? null, context: { ...before, ...values }, eventData: { action: 'set', keys: Object.keys(values) } });
        expect(context).toEqual(before);
        if (out.kind === 'advance') expect(out.context).not.toBe(context);
      }),
    );
  });

  it('fail ends with its reason; log advances with its message (or null)', () => {
    expect(executeStep({ id: 'f', type: 'action', action: { type: 'fail', reason: 'nope' }, next: 'x' }, {}, NOW)).toEqual({ kind: 'fail', reason: 'nope' });
    expect(executeStep({ id: 'l', type: 'action', action: { type: 'log', message: 'hi' }, next: 'x' }, {}, NOW)).toEqual({
      kind: 'advance',
      next: 'x',
      eventData: { action: 'log', message: 'hi' },
    });
    expect(executeStep({ id: 'l', type: 'action', action: { type: 'log' } }, {}, NOW)).toEqual({ kind: 'advance', next: null, eventData: { action: 'log', message: null } });
  });

  it('block pauses for one approval and continues at next', () => {
    expect(executeStep({ id: 'b', type: 'action', action: { type: 'block', reason: 'why' }, next: 'after' }, {}, NOW)).toEqual({
      kind: 'pause',
      pauseKind: 'approval',
      reason: 'why',
      nextStepId: 'after',
      timeoutMs: null,
      approval: { reason: 'why', requiredApprovals: 1, approverRole: null, assignees: [], firstFollowUpMs: null },
    });
  });

  it('approval pauses with its options and defaults', () => {
    expect(
      executeStep(
        { id: 'a', type: 'approval', reason: 'r', required_approvals: 3, approver_role: 'approver', on_approve: 'yes', on_reject: 'no', next: 'n', timeout: 'PT2H' },
        {},
        NOW,
      ),
    ).toEqual({
      kind: 'pause',
      pauseKind: 'approval',
      reason: 'r',
      nextStepId: 'yes',
      timeoutMs: 2 * 3_600_000,
      approval: { reason: 'r', requiredApprovals: 3, approverRole: 'approver', assignees: [], firstFollowUpMs: null, editable: [], inputSchema: null },
    });
    expect(executeStep({ id: 'a', type: 'approval', reason: 'r', next: 'n' }, {}, NOW)).toMatchObject({
      nextStepId: 'n',
      timeoutMs: null,
      approval: { requiredApprovals: 1, approverRole: null },
    });
    expect(executeStep({ id: 'a', type: 'approval', reason: 'r', timeout: 60 }, {}, NOW)).toMatchObject({ nextStepId: null, timeoutMs: 60_000 });
  });

  it('pause waits for a callback, with a default reason', () => {
    expect(executeStep({ id: 'p', type: 'pause', timeout: 'P1D', next: 'go' }, {}, NOW)).toEqual({
      kind: 'pause',
      pauseKind: 'callback',
      reason: expect.any(String),
      nextStepId: 'go',
      timeoutMs: 86_400_000,
      approval: null,
    });
    expect(executeStep({ id: 'p', type: 'pause', reason: 'carrier' }, {}, NOW)).toMatchObject({ reason: 'carrier', nextStepId: null, timeoutMs: null });
  });

  it('wait sleeps until now + duration (property)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10 * 365 * 86400 }), fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), (seconds, now) => {
        expect(executeStep({ id: 'w', type: 'wait', duration: seconds }, {}, now)).toEqual({ kind: 'sleep', until: new Date(now.getTime() + seconds * 1000) });
      }),
    );
    expect(executeStep({ id: 'w', type: 'wait', duration: 'P1DT2H' }, {}, NOW)).toEqual({ kind: 'sleep', until: new Date('2030-01-02T02:00:00.000Z') });
  });

  it('is deterministic: the same step, context and time give the same outcome (property)', () => {
    const steps: Step[] = [
      { id: 'c', type: 'condition', condition: { or: [{ field: 'a', operator: '==', value: 1 }, { field: 'b.c', operator: 'exists' }] }, on_true: 'x', on_false: 'y' },
      { id: 's', type: 'action', action: { type: 'set', values: { z: [1, 2] } }, next: 'x' },
      { id: 'w', type: 'wait', duration: 'PT5M' },
      { id: 'a', type: 'approval', reason: 'r' },
    ];
    fc.assert(
      fc.property(fc.constantFrom(...steps), jsonObject, (step, ctx) => {
        expect(executeStep(step, ctx, NOW)).toEqual(executeStep(step, structuredClone(ctx), NOW));
      }),
    );
  });
});

describe('approvalBranch', () => {
  const approval: Step = { id: 'a', type: 'approval', reason: 'r', on_approve: 'yes', on_reject: 'no', next: 'n' };
  it('approval steps follow on_approve / on_reject, falling back to next, or end as rejected', () => {
    expect(approvalBranch(approval, true)).toEqual({ next: 'yes', endAs: null });
    expect(approvalBranch(approval, false)).toEqual({ next: 'no', endAs: null });
    expect(approvalBranch({ id: 'a', type: 'approval', reason: 'r', next: 'n' }, true)).toEqual({ next: 'n', endAs: null });
    expect(approvalBranch({ id: 'a', type: 'approval', reason: 'r', next: 'n' }, false)).toEqual({ next: null, endAs: 'rejected' });
  });
  it('block continues at next when approved and ends as rejected otherwise', () => {
    const block: Step = { id: 'b', type: 'action', action: { type: 'block', reason: 'r' }, next: 'go' };
    expect(approvalBranch(block, true)).toEqual({ next: 'go', endAs: null });
    expect(approvalBranch(block, false)).toEqual({ next: null, endAs: 'rejected' });
  });
  it('an unknown step completes when approved and ends as rejected otherwise', () => {
    expect(approvalBranch(undefined, true)).toEqual({ next: null, endAs: null });
    expect(approvalBranch(undefined, false)).toEqual({ next: null, endAs: 'rejected' });
  });
});
