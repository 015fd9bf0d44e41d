import { beforeAll, describe, expect, it } from 'vitest';
import { tokenForRole } from '../helpers/env';
import { api } from '../helpers/http';
import { completedSteps, type ExecutionDetail, runSteps, setChain } from '../helpers/workflows';

/** Every step type through the real API: POST /workflows, POST /executions, GET /executions/{id}. */
describe('engine: step types through the API', () => {
  let token: string;
  let actor: string;
  beforeAll(async () => {
    token = await tokenForRole('operator');
    const probe = await runSteps(token, [{ id: 'a', type: 'action', action: { type: 'allow' } }]);
    actor = probe.detail.started_by;
    expect(actor).toMatch(/^token:tok-/);
  });

  const types = (d: ExecutionDetail) => d.events.map((e) => e.type);

  it('set merges into the context, runs steps in order, and completes when `next` is omitted', async () => {
    const { started, detail } = await runSteps(
      token,
      [
        { id: 's1', type: 'action', action: { type: 'set', values: { a: 1, nested: { x: 1 } } }, next: 's2' },
        { id: 's2', type: 'action', action: { type: 'set', values: { b: 2, a: 'over' } } },
        { id: 'never', type: 'action', action: { type: 'set', values: { never: true } } },
      ],
      { keep: true, a: 0 },
    );
    expect(started.status).toBe('completed');
    expect(detail).toMatchObject({ status: 'completed', current_step_id: null, error: null, sleeping_until: null, paused_at: null });
    expect(detail.context).toEqual({ keep: true, a: 'over', nested: { x: 1 }, b: 2 });
    expect(detail.trigger_payload).toEqual({ keep: true, a: 0 });
    expect(detail.completed_at).not.toBeNull();
    expect(types(detail)).toEqual(['started', 'step_completed', 'step_completed', 'completed']);
    expect(completedSteps(detail.events)).toEqual(['s1', 's2']);
    expect(detail.events[1]!.data).toEqual({ type: 'action', action: 'set', keys: ['a', 'nested'] });
    expect(detail.events.every((e) => e.actor === actor)).toBe(true);
  });

  it('runs a long chain of set steps, each exactly once', async () => {
    const { detail } = await runSteps(token, setChain(25));
    expect(detail.status).toBe('completed');
    expect(completedSteps(detail.events)).toEqual(Array.from({ length: 25 }, (_, i) => `s${i + 1}`));
    expect(detail.context).toEqual(Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`s${i + 1}`, i + 1])));
  });

  it('allow completes the execution at once (a `next` after it never runs)', async () => {
    const { detail } = await runSteps(token, [
      { id: 'ok', type: 'action', action: { type: 'allow' }, next: 'later' },
      { id: 'later', type: 'action', action: { type: 'set', values: { later: true } } },
    ]);
    expect(detail.status).toBe('completed');
    expect(completedSteps(detail.events)).toEqual(['ok']);
    expect(detail.events.find((e) => e.step_id === 'ok')!.data).toEqual({ type: 'action', action: 'allow' });
    expect(detail.context).toEqual({});
  });

  it('log records its message on the timeline and continues at `next`', async () => {
    const { detail } = await runSteps(
      token,
      [
        { id: 'say', type: 'action', action: { type: 'log', message: 'hello' }, next: 'quiet' },
        { id: 'quiet', type: 'action', action: { type: 'log' } },
      ],
      { x: 1 },
    );
    expect(detail.status).toBe('completed');
    expect(completedSteps(detail.events)).toEqual(['say', 'quiet']);
    expect(detail.events.find((e) => e.step_id === 'say')!.data).toEqual({ type: 'action', action: 'log', message: 'hello' });
    expect(detail.events.find((e) => e.step_id === 'quiet')!.data).toEqual({ type: 'action', action: 'log', message: null });
    expect(detail.context).toEqual({ x: 1 });
  });

  it('fail ends the execution as failed with the reason as `error`; later steps never run', async () => {
    const { started, detail } = await runSteps(token, [
      { id: 'mark', type: 'action', action: { type: 'set', values: { marked: true } }, next: 'boom' },
      { id: 'boom', type: 'action', action: { type: 'fail', reason: 'amount over limit' }, next: 'after' },
      { id: 'after', type: 'action', action: { type: 'set', values: { after: true } } },
    ]);
    expect(started.status).toBe('failed');
    expect(detail).toMatchObject({ status: 'failed', error: 'amount over limit', current_step_id: 'boom' });
    expect(detail.completed_at).not.toBeNull();
    expect(detail.context).toEqual({ marked: true });
    expect(types(detail)).toEqual(['started', 'step_completed', 'failed']);
    expect(detail.events.at(-1)).toMatchObject({ type: 'failed', step_id: 'boom', data: { error: 'amount over limit' } });
  });

  it('a condition branches on_true / on_false and records the result; a missing branch completes', async () => {
    const steps = [
      { id: 'c', type: 'condition', condition: { field: 'amount', operator: '>', value: 100 }, on_true: 'big' },
      { id: 'big', type: 'action', action: { type: 'set', values: { big: true } } },
    ];
    const big = await runSteps(token, steps, { amount: 500 });
    expect(big.detail.status).toBe('completed');
    expect(completedSteps(big.detail.events)).toEqual(['c', 'big']);
    expect(big.detail.events[1]!.data).toEqual({ type: 'condition', result: true });
    expect(big.detail.context).toEqual({ amount: 500, big: true });

    const small = await runSteps(token, steps, { amount: 5 });
    expect(small.detail.status).toBe('completed');
    expect(completedSteps(small.detail.events)).toEqual(['c']);
    expect(small.detail.events[1]!.data).toEqual({ type: 'condition', result: false });
    expect(small.detail.context).toEqual({ amount: 5 });
  });

  it('a condition sees values set by earlier steps', async () => {
    const { detail } = await runSteps(token, [
      { id: 'tier', type: 'action', action: { type: 'set', values: { customer: { tier: 'gold' } } }, next: 'c' },
      { id: 'c', type: 'condition', condition: { field: 'customer.tier', operator: '==', value: 'gold' }, on_true: 'yes', on_false: 'no' },
      { id: 'yes', type: 'action', action: { type: 'set', values: { branch: 'yes' } } },
      { id: 'no', type: 'action', action: { type: 'set', values: { branch: 'no' } } },
    ]);
    expect(detail.context.branch).toBe('yes');
    expect(completedSteps(detail.events)).toEqual(['tier', 'c', 'yes']);
  });

  it.each([
    ['an ISO hour "PT1H"', 'PT1H', 3_600_000],
    ['ISO days and hours "P1DT2H"', 'P1DT2H', 26 * 3_600_000],
    ['a number of seconds', 90, 90_000],
    ['ISO minutes in lower case "pt30m"', 'pt30m', 1_800_000],
  ])('a wait step (%s) leaves the execution running with sleeping_until set', async (_name, duration, ms) => {
    const before = Date.now();
    const { started, detail } = await runSteps(token, [
      { id: 'pre', type: 'action', action: { type: 'set', values: { pre: true } }, next: 'w' },
      { id: 'w', type: 'wait', duration, next: 'post' },
      { id: 'post', type: 'action', action: { type: 'set', values: { post: true } } },
    ]);
    const after = Date.now();
    expect(started.status).toBe('running');
    expect(detail).toMatchObject({ status: 'running', current_step_id: 'w', completed_at: null, paused_at: null });
    const until = Date.parse(detail.sleeping_until!);
    expect(until).toBeGreaterThanOrEqual(before + ms - 5);
    expect(until).toBeLessThanOrEqual(after + ms + 5);
    expect(detail.context).toEqual({ pre: true });
    expect(types(detail)).toEqual(['started', 'step_completed', 'waiting']);
    expect(detail.events.at(-1)).toMatchObject({ type: 'waiting', step_id: 'w', data: { until: detail.sleeping_until } });
  });

  it('a wait of zero seconds goes straight on', async () => {
    const { detail } = await runSteps(token, [
      { id: 'w', type: 'wait', duration: 0, next: 'post' },
      { id: 'post', type: 'action', action: { type: 'set', values: { post: true } } },
    ]);
    expect(detail).toMatchObject({ status: 'completed', sleeping_until: null, context: { post: true } });
    expect(types(detail)).toEqual(['started', 'waiting', 'step_completed', 'step_completed', 'completed']);
    expect(completedSteps(detail.events)).toEqual(['w', 'post']);
  });

  it('a block action pauses for one approval with paused_step_id and paused_reason', async () => {
    const { started, detail } = await runSteps(token, [
      { id: 'pre', type: 'action', action: { type: 'set', values: { pre: true } }, next: 'gate' },
      { id: 'gate', type: 'action', action: { type: 'block', reason: 'Refund needs a manager' }, next: 'after' },
      { id: 'after', type: 'action', action: { type: 'set', values: { after: true } } },
    ]);
    expect(started.status).toBe('paused');
    expect(detail).toMatchObject({ status: 'paused', paused_step_id: 'gate', paused_reason: 'Refund needs a manager', pause_kind: 'approval' });
    expect(detail.paused_at).not.toBeNull();
    expect(detail.context).toEqual({ pre: true });
    expect(completedSteps(detail.events)).toEqual(['pre']);
    expect(detail.approvals).toHaveLength(1);
    expect(detail.approvals[0]).toMatchObject({ step_id: 'gate', status: 'pending', required_approvals: 1, approver_role: null });
  });

  it('an approval step pauses with its reason and opens an approval request', async () => {
    const { started, detail } = await runSteps(token, [
      { id: 'ask', type: 'approval', reason: 'Two approvers please', required_approvals: 2, approver_role: 'approver', on_approve: 'yes', on_reject: 'no' },
      { id: 'yes', type: 'action', action: { type: 'allow' } },
      { id: 'no', type: 'action', action: { type: 'fail', reason: 'rejected' } },
    ]);
    expect(started.status).toBe('paused');
    expect(detail).toMatchObject({ status: 'paused', paused_step_id: 'ask', paused_reason: 'Two approvers please', pause_kind: 'approval' });
    expect(completedSteps(detail.events)).toEqual([]);
    expect(detail.approvals).toHaveLength(1);
    expect(detail.approvals[0]).toMatchObject({ step_id: 'ask', status: 'pending', required_approvals: 2, approver_role: 'approver' });
  });

  it('a pause step pauses for a callback, with its reason or a default one', async () => {
    const withReason = await runSteps(token, [
      { id: 'hold', type: 'pause', reason: 'Waiting for the carrier', timeout: 'PT2H', next: 'go' },
      { id: 'go', type: 'action', action: { type: 'allow' } },
    ]);
    expect(withReason.detail).toMatchObject({ status: 'paused', paused_step_id: 'hold', paused_reason: 'Waiting for the carrier', pause_kind: 'callback' });
    expect(withReason.detail.approvals).toEqual([]);

    const bare = await runSteps(token, [{ id: 'hold', type: 'pause' }], { k: 'v' });
    expect(bare.detail.status).toBe('paused');
    expect(bare.detail.paused_step_id).toBe('hold');
    expect(typeof bare.detail.paused_reason).toBe('string');
    expect(bare.detail.paused_reason!.length).toBeGreaterThan(0);
    expect(bare.detail.context).toEqual({ k: 'v' });
  });

  it('the list endpoint shows executions of a workflow with their status', async () => {
    const { key, started } = await runSteps(token, [{ id: 'w', type: 'wait', duration: 'PT1H' }]);
    const list = await api(token).get(`/api/v1/executions?workflow_id=${key}`);
    expect(list.status).toBe(200);
    expect(list.body.count).toBe(1);
    expect(list.body.executions[0]).toMatchObject({ id: started.id, status: 'running', workflow_key: key, current_step_id: 'w' });
    const running = await api(token).get(`/api/v1/executions?workflow_id=${key}&status=running`);
    expect(running.body.executions.map((e: { id: string }) => e.id)).toEqual([started.id]);
    const done = await api(token).get(`/api/v1/executions?workflow_id=${key}&status=completed`);
    expect(done.body.count).toBe(0);
  });
});
