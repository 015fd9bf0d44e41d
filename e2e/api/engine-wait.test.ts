import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelExecution } from '@/lib/core/executions/cancel-execution';
import { wakeDueExecutions } from '@/lib/core/worker/wake-due-executions';
import type { Db } from '@/lib/db/client';
import { isolatedDatabase } from '../helpers/env';
import { completedSteps, completionCounts, createWorkflowIn, detailIn, startIn, TEST_ACTOR } from '../helpers/workflows';

/**
 * Wait steps and the worker that wakes them. The sweep claims due rows across the whole table, so
 * this file runs on a database of its own.
 */
const HOUR = 3_600_000;

describe('engine: wait steps are woken by the worker', () => {
  let db: Db;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ db, close } = await isolatedDatabase());
  });
  afterAll(async () => {
    await close();
  });

  const at = (base: number, offsetMs: number) => () => new Date(base + offsetMs);

  it('sleeps until the duration has passed, then continues at `next` and completes', async () => {
    const key = await createWorkflowIn(db, [
      { id: 'pre', type: 'action', action: { type: 'set', values: { pre: true } }, next: 'w' },
      { id: 'w', type: 'wait', duration: 'PT1H', next: 'post' },
      { id: 'post', type: 'action', action: { type: 'set', values: { post: true } } },
    ]);
    const t0 = Date.now();
    const started = await startIn(db, key, { id: 7 });
    expect(started).toMatchObject({ status: 'running', current_step_id: 'w', context: { id: 7, pre: true } });
    const until = Date.parse(started.sleeping_until!);
    expect(until - t0).toBeGreaterThanOrEqual(HOUR - 5);
    expect(until - Date.now()).toBeLessThanOrEqual(HOUR + 5);

    // Not due yet: now, and one minute before the end.
    await wakeDueExecutions(db, { batchSize: 50, now: () => new Date() });
    await wakeDueExecutions(db, { batchSize: 50, now: () => new Date(until - 60_000) });
    let d = await detailIn(db, started.id);
    expect(d).toMatchObject({ status: 'running', current_step_id: 'w' });
    expect(d.sleeping_until).toBe(started.sleeping_until);
    expect(completedSteps(d.events)).toEqual(['pre']);

    const woke = await wakeDueExecutions(db, { batchSize: 50, now: () => new Date(until + 1000) });
    expect(woke.errors).toBe(0);
    expect(woke.woken).toBeGreaterThanOrEqual(1);
    d = await detailIn(db, started.id);
    expect(d).toMatchObject({ status: 'completed', current_step_id: null, sleeping_until: null, context: { id: 7, pre: true, post: true } });
    expect(d.events.map((e) => e.type)).toEqual(['started', 'step_completed', 'waiting', 'step_completed', 'step_completed', 'completed']);
    expect(completedSteps(d.events)).toEqual(['pre', 'w', 'post']);
    expect(d.events[2]).toMatchObject({ type: 'waiting', step_id: 'w', data: { until: started.sleeping_until } });
    // The steps after the wait ran on the worker's behalf.
    expect(d.events.slice(3).every((e) => e.actor === 'system:worker')).toBe(true);
    expect(d.events.slice(0, 3).every((e) => e.actor === TEST_ACTOR.id)).toBe(true);

    // A later sweep finds nothing more to do for it.
    await wakeDueExecutions(db, { batchSize: 50, now: at(until, 10 * HOUR) });
    expect(completionCounts((await detailIn(db, started.id)).events)).toEqual({ pre: 1, w: 1, post: 1 });
  });

  it('a wait without `next` completes the execution when it ends', async () => {
    const key = await createWorkflowIn(db, [{ id: 'w', type: 'wait', duration: 90 }]);
    const started = await startIn(db, key);
    const until = Date.parse(started.sleeping_until!);
    await wakeDueExecutions(db, { batchSize: 50, now: () => new Date(until) });
    const d = await detailIn(db, started.id);
    expect(d.status).toBe('completed');
    expect(completedSteps(d.events)).toEqual(['w']);
  });

  it('consecutive waits sleep one after the other ("P1DT2H" then 30 seconds)', async () => {
    const key = await createWorkflowIn(db, [
      { id: 'w1', type: 'wait', duration: 'P1DT2H', next: 'w2' },
      { id: 'w2', type: 'wait', duration: 30, next: 'done' },
      { id: 'done', type: 'action', action: { type: 'set', values: { done: true } } },
    ]);
    const started = await startIn(db, key);
    const until1 = Date.parse(started.sleeping_until!);
    expect(until1 - Date.parse(started.started_at)).toBeGreaterThanOrEqual(26 * HOUR);
    expect(until1 - Date.parse(started.started_at)).toBeLessThan(26 * HOUR + 5000);

    const wake1 = until1 + 1000;
    await wakeDueExecutions(db, { batchSize: 50, now: () => new Date(wake1) });
    let d = await detailIn(db, started.id);
    expect(d).toMatchObject({ status: 'running', current_step_id: 'w2', sleeping_until: new Date(wake1 + 30_000).toISOString() });

    await wakeDueExecutions(db, { batchSize: 50, now: () => new Date(wake1 + 29_000) });
    expect((await detailIn(db, started.id)).current_step_id).toBe('w2');
    await wakeDueExecutions(db, { batchSize: 50, now: () => new Date(wake1 + 30_000) });
    d = await detailIn(db, started.id);
    expect(d).toMatchObject({ status: 'completed', context: { done: true } });
    expect(completionCounts(d.events)).toEqual({ w1: 1, w2: 1, done: 1 });
  });

  it('a cancelled sleeping execution is never woken', async () => {
    const key = await createWorkflowIn(db, [
      { id: 'w', type: 'wait', duration: 'PT5M', next: 'post' },
      { id: 'post', type: 'action', action: { type: 'set', values: { post: true } } },
    ]);
    const started = await startIn(db, key);
    await cancelExecution(db, TEST_ACTOR, started.id, { reason: 'no longer needed' });
    await wakeDueExecutions(db, { batchSize: 50, now: at(Date.now(), HOUR) });
    const d = await detailIn(db, started.id);
    expect(d).toMatchObject({ status: 'cancelled', error: 'no longer needed', context: {} });
    expect(completedSteps(d.events)).toEqual([]);
  });

  it('two workers sweeping at once run every woken step exactly once', async () => {
    const key = await createWorkflowIn(db, [
      { id: 'w', type: 'wait', duration: 'PT1M', next: 'a' },
      { id: 'a', type: 'action', action: { type: 'set', values: { a: true } }, next: 'b' },
      { id: 'b', type: 'action', action: { type: 'set', values: { b: true } } },
    ]);
    const ids = await Promise.all(Array.from({ length: 12 }, async () => (await startIn(db, key)).id));
    const clock = at(Date.now(), HOUR);
    const [w1, w2] = await Promise.all([wakeDueExecutions(db, { batchSize: 50, now: clock }), wakeDueExecutions(db, { batchSize: 50, now: clock })]);
    expect(w1.errors + w2.errors).toBe(0);
    // SKIP LOCKED plus the renewed lease: each row is claimed by one worker only.
    expect(w1.claimed + w2.claimed).toBe(ids.length);
    for (const id of ids) {
      const d = await detailIn(db, id);
      expect(d.status).toBe('completed');
      expect(completionCounts(d.events)).toEqual({ w: 1, a: 1, b: 1 });
      expect(d.events.filter((e) => e.type === 'completed')).toHaveLength(1);
    }
  });
});
