import { beforeAll, describe, expect, it } from 'vitest';
import { tokenForRole, uid } from '../helpers/env';
import { api } from '../helpers/http';
import { expectError } from '../helpers/http';
import { type StepDef } from '../helpers/workflows';

/**
 * Definition validation through POST /api/v1/workflows: valid shapes are stored (201), invalid ones
 * get 422 whose message starts with the bad path, and nothing is stored.
 * (The basic cases — no steps, unknown type, duplicate ids, dangling next/on_false, bad operator,
 * bad wait duration, fail without reason, zero approvers, unknown field — are in workflows-api.test.ts.)
 */
const allow = (id: string): StepDef => ({ id, type: 'action', action: { type: 'allow' } });
const cond = (condition: unknown): StepDef => ({ id: 'c', type: 'condition', condition });

const VALID: [string, StepDef[]][] = [
  ['wait "PT1H"', [{ id: 'w', type: 'wait', duration: 'PT1H' }]],
  ['wait "P1DT2H"', [{ id: 'w', type: 'wait', duration: 'P1DT2H' }]],
  ['wait "P2W"', [{ id: 'w', type: 'wait', duration: 'P2W' }]],
  ['wait "PT1H30M15S"', [{ id: 'w', type: 'wait', duration: 'PT1H30M15S' }]],
  ['wait "PT0.5S"', [{ id: 'w', type: 'wait', duration: 'PT0.5S' }]],
  ['wait lower case "pt5m"', [{ id: 'w', type: 'wait', duration: 'pt5m' }]],
  ['wait in seconds', [{ id: 'w', type: 'wait', duration: 3600 }]],
  ['wait "1h" (a number with a unit, as in the environment)', [{ id: 'w', type: 'wait', duration: '1h' }]],
  ['wait of 0 seconds', [{ id: 'w', type: 'wait', duration: 0 }]],
  ['wait with next', [{ id: 'w', type: 'wait', duration: 60, next: 'a' }, allow('a')]],
  ['approval with every option', [{ id: 'a', type: 'approval', reason: 'r', required_approvals: 3, approver_role: 'approver', on_approve: 'y', on_reject: 'n', timeout: 'P1D', on_timeout: 'reject' }, allow('y'), allow('n')]],
  ['approval timeout in seconds, on_timeout approve', [{ id: 'a', type: 'approval', reason: 'r', timeout: 7200, on_timeout: 'approve' }]],
  ['approval with on_timeout fail', [{ id: 'a', type: 'approval', reason: 'r', timeout: 'PT1H', on_timeout: 'fail', next: 'z' }, allow('z')]],
  ['approval for each role', ['admin', 'operator', 'approver', 'viewer'].map((r, i) => ({ id: `a${i}`, type: 'approval', reason: 'r', approver_role: r }))],
  ['pause with reason, timeout and next', [{ id: 'p', type: 'pause', reason: 'callback', timeout: 'PT10M', next: 'z' }, allow('z')]],
  ['bare pause', [{ id: 'p', type: 'pause' }]],
  ['every action type', [
    { id: 'a1', type: 'action', action: { type: 'set', values: {} }, next: 'a2' },
    { id: 'a2', type: 'action', action: { type: 'log', message: 'm' }, next: 'a3' },
    { id: 'a3', type: 'action', action: { type: 'block', reason: 'r' }, next: 'a4' },
    { id: 'a4', type: 'action', action: { type: 'fail', reason: 'r' }, next: 'a5' },
    allow('a5'),
  ]],
  ['condition with every operator', ['==', '!=', '>', '>=', '<', '<=', 'in', 'contains', 'exists'].map((operator, i) => ({ id: `c${i}`, type: 'condition', condition: { field: 'x.y', operator, value: 1 } }))],
  ['exists without a value', [cond({ field: 'x', operator: 'exists' })]],
  ['nested and/or groups', [cond({ or: [{ and: [{ field: 'a', operator: '>', value: 1 }, { or: [{ field: 'b', operator: 'exists' }] }] }, { field: 'c', operator: 'in', value: [1, 2] }] })]],
  ['a loop through a pause step (a loop that waits is allowed)', [{ id: 'c', type: 'condition', condition: { field: 'x', operator: '==', value: 1 }, on_true: 'p', on_false: 'z' }, { id: 'p', type: 'pause', next: 'c' }, allow('z')]],
  ['a step referring back to an earlier step', [allow('a'), { id: 'b', type: 'action', action: { type: 'log' }, next: 'a' }]],
];

const INVALID: [string, unknown, string][] = [
  // durations
  ['wait "1 h" (neither ISO nor a number with a unit)', { steps: [{ id: 'w', type: 'wait', duration: '1 h' }] }, 'definition.steps.0.duration'],
  ['wait "P" (no parts)', { steps: [{ id: 'w', type: 'wait', duration: 'P' }] }, 'definition.steps.0.duration'],
  ['wait "PT" (no time parts)', { steps: [{ id: 'w', type: 'wait', duration: 'PT' }] }, 'definition.steps.0.duration'],
  ['wait "P1H" (hours need T)', { steps: [{ id: 'w', type: 'wait', duration: 'P1H' }] }, 'definition.steps.0.duration'],
  ['wait "PT1D" (days after T)', { steps: [{ id: 'w', type: 'wait', duration: 'PT1D' }] }, 'definition.steps.0.duration'],
  ['wait "-PT1H" (negative)', { steps: [{ id: 'w', type: 'wait', duration: '-PT1H' }] }, 'definition.steps.0.duration'],
  ['wait "" (empty)', { steps: [{ id: 'w', type: 'wait', duration: '' }] }, 'definition.steps.0.duration'],
  ['wait of negative seconds', { steps: [{ id: 'w', type: 'wait', duration: -5 }] }, 'definition.steps.0.duration'],
  ['wait of more than ten years in seconds', { steps: [{ id: 'w', type: 'wait', duration: 11 * 365 * 86400 }] }, 'definition.steps.0.duration'],
  ['wait duration as an object', { steps: [{ id: 'w', type: 'wait', duration: { hours: 1 } }] }, 'definition.steps.0.duration'],
  ['wait without duration', { steps: [{ id: 'w', type: 'wait' }] }, 'definition.steps.0.duration'],
  ['wait with dangling next', { steps: [{ id: 'w', type: 'wait', duration: 5, next: 'gone' }] }, 'definition.steps.0.next'],
  ['pause with a bad timeout', { steps: [{ id: 'p', type: 'pause', timeout: 'tomorrow' }] }, 'definition.steps.0.timeout'],
  ['pause with an empty reason', { steps: [{ id: 'p', type: 'pause', reason: '' }] }, 'definition.steps.0.reason'],
  ['pause with dangling next', { steps: [{ id: 'p', type: 'pause', next: 'gone' }] }, 'definition.steps.0.next'],
  // approvals
  ['approval with an unknown approver_role', { steps: [{ id: 'a', type: 'approval', reason: 'r', approver_role: 'superuser' }] }, 'definition.steps.0.approver_role'],
  ['approval with the misspelt field approval_role', { steps: [{ id: 'a', type: 'approval', reason: 'r', approval_role: 'approver' }] }, 'definition.steps.0'],
  ['approval without a reason', { steps: [{ id: 'a', type: 'approval' }] }, 'definition.steps.0.reason'],
  ['approval needing 21 approvers', { steps: [{ id: 'a', type: 'approval', reason: 'r', required_approvals: 21 }] }, 'definition.steps.0.required_approvals'],
  ['approval needing 1.5 approvers', { steps: [{ id: 'a', type: 'approval', reason: 'r', required_approvals: 1.5 }] }, 'definition.steps.0.required_approvals'],
  ['approval with a bad timeout', { steps: [{ id: 'a', type: 'approval', reason: 'r', timeout: 'PT' }] }, 'definition.steps.0.timeout'],
  ['approval with an unknown on_timeout', { steps: [{ id: 'a', type: 'approval', reason: 'r', on_timeout: 'explode' }] }, 'definition.steps.0.on_timeout'],
  ['approval with dangling on_approve', { steps: [{ id: 'a', type: 'approval', reason: 'r', on_approve: 'gone' }] }, 'definition.steps.0.on_approve'],
  ['approval with dangling on_reject', { steps: [allow('z'), { id: 'a', type: 'approval', reason: 'r', on_approve: 'z', on_reject: 'gone' }] }, 'definition.steps.1.on_reject'],
  // actions
  ['unknown action type', { steps: [{ id: 'a', type: 'action', action: { type: 'explode' } }] }, 'definition.steps.0.action.type'],
  ['action without action', { steps: [{ id: 'a', type: 'action' }] }, 'definition.steps.0.action'],
  ['set without values', { steps: [{ id: 'a', type: 'action', action: { type: 'set' } }] }, 'definition.steps.0.action.values'],
  ['set with an array of values', { steps: [{ id: 'a', type: 'action', action: { type: 'set', values: [1, 2] } }] }, 'definition.steps.0.action.values'],
  ['block without a reason', { steps: [{ id: 'a', type: 'action', action: { type: 'block' } }] }, 'definition.steps.0.action.reason'],
  ['fail with an empty reason', { steps: [{ id: 'a', type: 'action', action: { type: 'fail', reason: '' } }] }, 'definition.steps.0.action.reason'],
  ['log with a non-string message', { steps: [{ id: 'a', type: 'action', action: { type: 'log', message: 5 } }] }, 'definition.steps.0.action.message'],
  ['allow with an unknown field', { steps: [{ id: 'a', type: 'action', action: { type: 'allow', values: {} } }] }, 'definition.steps.0.action'],
  // conditions
  ['condition missing', { steps: [{ id: 'c', type: 'condition' }] }, 'definition.steps.0.condition'],
  ['condition with an empty field', { steps: [cond({ field: '', operator: '==', value: 1 })] }, 'definition.steps.0.condition.field'],
  ['condition without operator', { steps: [cond({ field: 'x', value: 1 })] }, 'definition.steps.0.condition'],
  ['empty and group', { steps: [cond({ and: [] })] }, 'definition.steps.0.condition.and'],
  ['empty or group', { steps: [cond({ or: [] })] }, 'definition.steps.0.condition.or'],
  ['and with a bad member', { steps: [cond({ and: [{ field: 'x', operator: '==', value: 1 }, { field: 'y', operator: 'like' }] })] }, 'definition.steps.0.condition'],
  ['or with a non-object member', { steps: [cond({ or: ['x > 1'] })] }, 'definition.steps.0.condition'],
  ['nested group with a bad member', { steps: [cond({ or: [{ and: [{ field: 'x', operator: 'bogus' }] }] })] }, 'definition.steps.0.condition'],
  ['nested empty group', { steps: [cond({ or: [{ and: [] }] })] }, 'definition.steps.0.condition.or.0.and'],
  ['group mixed with a comparison', { steps: [cond({ field: 'x', operator: '==', value: 1, and: [{ field: 'y', operator: 'exists' }] })] }, 'definition.steps.0.condition'],
  ['and and or in one object', { steps: [cond({ and: [{ field: 'x', operator: 'exists' }], or: [{ field: 'y', operator: 'exists' }] })] }, 'definition.steps.0.condition'],
  ['dangling on_true', { steps: [{ id: 'c', type: 'condition', condition: { field: 'x', operator: 'exists' }, on_true: 'gone' }] }, 'definition.steps.0.on_true'],
  // structure
  ['definition is an array', [], 'definition'],
  ['definition is missing its steps', {}, 'definition.steps'],
  ['steps is an object', { steps: { a: allow('a') } }, 'definition.steps'],
  ['more than 500 steps', { steps: Array.from({ length: 501 }, (_, i) => allow(`a${i}`)) }, 'definition.steps'],
  ['an unknown top-level field', { steps: [allow('a')], start: 'a' }, 'definition'],
  ['a step without id', { steps: [{ type: 'action', action: { type: 'allow' } }] }, 'definition.steps.0.id'],
  ['an empty step id', { steps: [{ id: '', type: 'action', action: { type: 'allow' } }] }, 'definition.steps.0.id'],
  ['a step id over 100 characters', { steps: [allow('x'.repeat(101))] }, 'definition.steps.0.id'],
  ['a numeric step id', { steps: [{ id: 1, type: 'action', action: { type: 'allow' } }] }, 'definition.steps.0.id'],
  ['a dangling reference deep in the list', { steps: [allow('a'), allow('b'), { id: 'c', type: 'action', action: { type: 'log' }, next: 'd' }] }, 'definition.steps.2.next'],
  // loops that never wait for anything would run forever (trust-input.test.ts has more)
  ['condition branches to itself', { steps: [{ id: 'c', type: 'condition', condition: { field: 'x', operator: '==', value: 1 }, on_true: 'c', on_false: 'z' }, allow('z')] }, 'definition.steps.0.on_true'],
];

describe('engine: definition validation through the API', () => {
  let token: string;
  beforeAll(async () => {
    token = await tokenForRole('admin');
  });

  it.concurrent.for(VALID)('accepts %s', async ([, steps], { expect }) => {
    const key = uid('ok');
    const res = await api(token).post('/api/v1/workflows', { key, name: 'Valid', definition: { steps } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.definition).toEqual({ steps });
  });

  it.concurrent.for(INVALID)('refuses %s with 422 naming the path', async ([, definition, path], { expect }) => {
    const key = uid('bad');
    const res = await api(token).post('/api/v1/workflows', { key, name: 'Invalid', definition });
    const body = expectError(res, 422, 'validation_failed');
    expect(body.error.message.startsWith(`${path}: `), body.error.message).toBe(true);
    expect(body.error.details?.[0]?.path).toBe(path);
    expect((await api(token).get(`/api/v1/workflows/${key}`)).status).toBe(404);
  });

  it('reports every problem in details, not only the first', async () => {
    const res = await api(token).post('/api/v1/workflows', {
      key: uid('bad'),
      name: 'Invalid',
      definition: { steps: [{ id: 'w', type: 'wait', duration: 'soon' }, { id: 'a', type: 'approval', reason: 'r', approver_role: 'root' }] },
    });
    const body = expectError(res, 422, 'validation_failed');
    expect(body.error.details!.map((d) => d.path).sort()).toEqual(['definition.steps.0.duration', 'definition.steps.1.approver_role']);
  });

  it.each([
    ['a bad key', { key: 'Not OK!', name: 'x' }, 'key'],
    ['a missing name', { key: uid('k') }, 'name'],
    ['an unknown field', { key: uid('k'), name: 'x', owner: 'me' }, ''],
  ])('refuses a workflow with %s', async (_n, fields, path) => {
    const res = await api(token).post('/api/v1/workflows', { definition: { steps: [allow('a')] }, ...fields });
    const body = expectError(res, 422, 'validation_failed');
    expect(body.error.details?.[0]?.path).toBe(path);
  });
});
