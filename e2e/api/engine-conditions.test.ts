import { beforeAll, describe, expect, it } from 'vitest';
import { tokenForRole } from '../helpers/env';
import { api } from '../helpers/http';
import { completedSteps, createWorkflowApi, type ExecutionDto, runSteps, type StepDef } from '../helpers/workflows';

/**
 * Every condition operator, group and path rule, run through the API: each case is its own
 * workflow `check → yes | no`, so the branch taken shows in the context and on the timeline.
 */
type Cond = Record<string, unknown>;
type Case = [name: string, condition: Cond, payload: Record<string, unknown>, expected: boolean];

const f = (field: string, operator: string, value?: unknown): Cond => (value === undefined ? { field, operator } : { field, operator, value });

const order = { amount: 250, currency: 'EUR', tags: ['vip', 'eu'], lines: [{ sku: 'A-1', qty: 2 }, { sku: 'B-2', qty: 1 }], customer: { tier: 'gold', flags: { fraud: false } }, note: null };

const CASES: Case[] = [
  // ==
  ['== number equal', f('amount', '==', 250), order, true],
  ['== number different', f('amount', '==', 251), order, false],
  ['== string', f('currency', '==', 'EUR'), order, true],
  ['== string is case sensitive', f('currency', '==', 'eur'), order, false],
  ['== boolean', f('customer.flags.fraud', '==', false), order, true],
  ['== null', f('note', '==', null), order, true],
  ['== deep object', f('customer.flags', '==', { fraud: false }), order, true],
  ['== array', f('tags', '==', ['vip', 'eu']), order, true],
  ['== array order matters', f('tags', '==', ['eu', 'vip']), order, false],
  ['== string "250" vs number 250 (type mismatch)', f('amount', '==', '250'), order, false],
  ['== true vs 1 (type mismatch)', f('flag', '==', 1), { flag: true }, false],
  ['== missing field', f('missing', '==', null), order, false],
  // !=
  ['!= different', f('currency', '!=', 'USD'), order, true],
  ['!= same', f('currency', '!=', 'EUR'), order, false],
  ['!= other type', f('amount', '!=', '250'), order, true],
  ['!= missing field is false', f('missing', '!=', 'x'), order, false],
  // ordering
  ['> greater', f('amount', '>', 100), order, true],
  ['> equal', f('amount', '>', 250), order, false],
  ['>= equal', f('amount', '>=', 250), order, true],
  ['>= less', f('amount', '>=', 251), order, false],
  ['< less', f('amount', '<', 251), order, true],
  ['< equal', f('amount', '<', 250), order, false],
  ['<= equal', f('amount', '<=', 250), order, true],
  ['<= greater', f('amount', '<=', 249.5), order, false],
  ['> negative and fractional numbers', f('t', '>', -1.5), { t: -1.25 }, true],
  ['< strings compare lexicographically', f('currency', '<', 'USD'), order, true],
  ['> strings compare lexicographically', f('currency', '>', 'USD'), order, false],
  ['> string vs number is false', f('currency', '>', 1), order, false],
  ['< string vs number is false', f('currency', '<', 1), order, false],
  ['<= number vs numeric string is false', f('amount', '<=', '999'), order, false],
  ['>= null is false', f('note', '>=', 0), order, false],
  ['< boolean is false', f('customer.flags.fraud', '<', true), order, false],
  ['> array is false', f('tags', '>', 0), order, false],
  ['> missing field is false', f('missing', '>', 0), order, false],
  ['< missing field is false', f('missing', '<', 0), order, false],
  // in
  ['in: value listed', f('currency', 'in', ['USD', 'EUR']), order, true],
  ['in: value not listed', f('currency', 'in', ['USD', 'GBP']), order, false],
  ['in: numbers', f('amount', 'in', [1, 250]), order, true],
  ['in: number vs numeric string', f('amount', 'in', ['250']), order, false],
  ['in: object element', f('customer.flags', 'in', [{ fraud: true }, { fraud: false }]), order, true],
  ['in: value is not an array', f('currency', 'in', 'EUR'), order, false],
  ['in: empty list', f('currency', 'in', []), order, false],
  ['in: missing field', f('missing', 'in', [null]), order, false],
  // contains
  ['contains: substring', f('currency', 'contains', 'EU'), order, true],
  ['contains: not a substring', f('currency', 'contains', 'US'), order, false],
  ['contains: string vs number', f('code', 'contains', 1), { code: 'A1' }, false],
  ['contains: array element', f('tags', 'contains', 'vip'), order, true],
  ['contains: array without it', f('tags', 'contains', 'us'), order, false],
  ['contains: array of objects', f('lines', 'contains', { sku: 'B-2', qty: 1 }), order, true],
  ['contains: number field', f('amount', 'contains', 2), order, false],
  ['contains: object field', f('customer', 'contains', 'tier'), order, false],
  ['contains: missing field', f('missing', 'contains', 'x'), order, false],
  // exists
  ['exists: present', f('currency', 'exists'), order, true],
  ['exists: present falsy value', f('customer.flags.fraud', 'exists'), order, true],
  ['exists: missing', f('missing', 'exists'), order, false],
  ['exists: null counts as absent', f('note', 'exists'), order, false],
  ['exists with value false: missing', f('missing', 'exists', false), order, true],
  ['exists with value false: present', f('currency', 'exists', false), order, false],
  ['exists: deep path', f('customer.flags.fraud', 'exists', true), order, true],
  // dot paths
  ['path: nested object', f('customer.tier', '==', 'gold'), order, true],
  ['path: array index', f('lines.1.sku', '==', 'B-2'), order, true],
  ['path: index past the end', f('lines.5.sku', 'exists'), order, false],
  ['path: through a primitive', f('amount.value', '==', 250), order, false],
  ['path: through null', f('note.x', 'exists'), order, false],
  ['path: inherited property is not a field', f('constructor', 'exists'), order, false],
  ['path: toString is not a field', f('customer.toString', '==', null), order, false],
  ['path: empty context', f('a.b.c', '>', 1), {}, false],
  // groups
  ['and: all true', { and: [f('amount', '>', 100), f('currency', '==', 'EUR')] }, order, true],
  ['and: one false', { and: [f('amount', '>', 100), f('currency', '==', 'USD')] }, order, false],
  ['and: with a missing field', { and: [f('amount', '>', 100), f('missing', '==', 1)] }, order, false],
  ['or: one true', { or: [f('amount', '>', 1000), f('currency', '==', 'EUR')] }, order, true],
  ['or: none true', { or: [f('amount', '>', 1000), f('currency', '==', 'USD')] }, order, false],
  ['or: a missing field does not crash', { or: [f('missing.deep', '>', 1), f('tags', 'contains', 'eu')] }, order, true],
  ['nested: or inside and', { and: [f('customer.tier', 'in', ['gold', 'platinum']), { or: [f('amount', '>', 1000), f('tags', 'contains', 'vip')] }] }, order, true],
  ['nested: and inside or', { or: [{ and: [f('amount', '>', 100), f('currency', '==', 'USD')] }, { and: [f('amount', '<', 100)] }] }, order, false],
  ['nested: three levels', { and: [{ or: [{ and: [f('customer.flags.fraud', '==', false), f('lines.0.qty', '>=', 2)] }] }] }, order, true],
];

describe('engine: condition operators through the API', () => {
  let token: string;
  beforeAll(async () => {
    token = await tokenForRole('operator');
  });

  // Independent workflows: run the table five at a time.
  it.concurrent.for(CASES)('%s', async ([, condition, payload, expected], { expect }) => {
    const key = await createWorkflowApi(token, [
      { id: 'check', type: 'condition', condition, on_true: 'yes', on_false: 'no' },
      { id: 'yes', type: 'action', action: { type: 'set', values: { branch: 'yes' } } },
      { id: 'no', type: 'action', action: { type: 'set', values: { branch: 'no' } } },
    ]);
    // The execution runs to its end within the request: its answer shows the branch taken.
    const res = await api(token).post<ExecutionDto>('/api/v1/executions', { workflow_id: key, trigger_payload: payload });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('completed');
    expect(res.body.error).toBeNull();
    expect(res.body.context).toEqual({ ...payload, branch: expected ? 'yes' : 'no' });
  });

  it('a missing field in a trigger payload without any data never crashes any operator', async () => {
    const ops = ['==', '!=', '>', '>=', '<', '<=', 'in', 'contains', 'exists'];
    const steps: StepDef[] = ops.map((operator, i) => ({
      id: `c${i}`,
      type: 'condition',
      condition: f('nothing.here', operator, operator === 'in' ? [1] : 1),
      on_true: 'hit',
      on_false: i + 1 < ops.length ? `c${i + 1}` : 'miss',
    }));
    steps.push(
      { id: 'hit', type: 'action', action: { type: 'fail', reason: 'a missing field matched' } },
      { id: 'miss', type: 'action', action: { type: 'set', values: { all_false: true } } },
    );
    const { detail } = await runSteps(token, steps);
    expect(detail.status).toBe('completed');
    expect(detail.context).toEqual({ all_false: true });
    expect(completedSteps(detail.events)).toEqual([...ops.map((_, i) => `c${i}`), 'miss']);
  });
});
