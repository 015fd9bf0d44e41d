import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExecution } from '@/lib/core/engine/run-execution';
import { wakeDueExecutions } from '@/lib/core/worker/wake-due-executions';
import { env } from '@/lib/env';
import type { Db } from '@/lib/db/client';
import { workflowExecutions, workflows } from '@/lib/db/schema';
import { isolatedDatabase } from '../helpers/env';
import { bundleTs, type ChildResult, runNode } from '../helpers/processes';
import { completedSteps, completionCounts, createWorkflowIn, detailIn, type ExecutionDetail, setChain, startIn } from '../helpers/workflows';

/**
 * A process killed (SIGKILL) while running an execution: the execution keeps the step it reached,
 * the worker continues it once the lease lapses, and no step ever runs twice. The runner is a child
 * process (e2e/fixtures/crash-runner.ts, bundled once with esbuild so it starts fast) on a database
 * of its own.
 */
const FIXTURE = 'e2e/fixtures/crash-runner.ts';
const N = 10;
const allSteps = Array.from({ length: N }, (_, i) => `s${i + 1}`);
const fullContext = (extra: Record<string, unknown> = {}) => ({ ...extra, ...Object.fromEntries(allSteps.map((s, i) => [s, i + 1])) });

describe('crash safety', () => {
  let db: Db;
  let url: string;
  let close: () => Promise<void>;
  let fixture: { file: string; remove: () => void };
  beforeAll(async () => {
    [{ db, url, close }, fixture] = await Promise.all([isolatedDatabase(12), bundleTs(FIXTURE)]);
  });
  afterAll(async () => {
    fixture?.remove();
    await close?.();
  });

  const child = (args: Record<string, unknown>, opts: Parameters<typeof runNode>[1] = {}): Promise<ChildResult> =>
    runNode([fixture.file, JSON.stringify(args)], { ...opts, env: { DATABASE_URL: url, ...opts.env } });

  async function executionsOf(key: string): Promise<string[]> {
    const rows = await db
      .select({ id: workflowExecutions.id })
      .from(workflowExecutions)
      .innerJoin(workflows, eq(workflows.id, workflowExecutions.workflowId))
      .where(eq(workflows.key, key));
    return rows.map((r) => r.id);
  }

  /** A clock past the lease the dead process held. */
  const afterLease = () => new Date(Date.now() + env().EXECUTION_LEASE + 1000);

  /** Sweeps until the execution is finished (a dead backend may hold the row lock for a moment). */
  async function sweepUntilDone(id: string): Promise<ExecutionDetail> {
    for (let i = 0; i < 50; i++) {
      await wakeDueExecutions(db, { batchSize: 50, now: afterLease });
      const d = await detailIn(db, id);
      if (d.status !== 'running') return d;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`execution ${id} did not finish`);
  }

  /** Steps 1..k completed exactly once, the pointer at k+1, and the context holds exactly their effects. */
  function expectPrefix(d: ExecutionDetail, k: number, payload: Record<string, unknown>) {
    expect(d.status).toBe('running');
    expect(completedSteps(d.events)).toEqual(allSteps.slice(0, k));
    expect(d.current_step_id).toBe(allSteps[k]);
    expect(d.context).toEqual({ ...payload, ...Object.fromEntries(allSteps.slice(0, k).map((s, i) => [s, i + 1])) });
  }

  function expectEachStepOnce(d: ExecutionDetail, payload: Record<string, unknown> = {}) {
    expect(d.status).toBe('completed');
    expect(completionCounts(d.events)).toEqual(Object.fromEntries(allSteps.map((s) => [s, 1])));
    expect(completedSteps(d.events)).toEqual(allSteps);
    expect(d.context).toEqual(fullContext(payload));
    expect(d.events.filter((e) => e.type === 'completed')).toHaveLength(1);
    expect(d.events.filter((e) => e.type === 'started')).toHaveLength(1);
  }

  it('a process killed after step 3 commits continues at step 4; a second runner killed after step 7 continues at step 8; each step runs once', async () => {
    const key = await createWorkflowIn(db, setChain(N));
    const first = await child({ mode: 'start', workflowKey: key, payload: { order: 42 }, killAfter: 's3', actor: 'first' });
    expect(first.signal).toBe('SIGKILL');
    expect(first.stdout).not.toContain('done');
    const [id] = await executionsOf(key);
    expect(id).toBeDefined();
    expectPrefix(await detailIn(db, id!), 3, { order: 42 });

    // While the dead process's lease holds, the worker leaves the execution alone.
    const early = await wakeDueExecutions(db, { batchSize: 50, now: () => new Date() });
    expect(early.claimed).toBe(0);
    expectPrefix(await detailIn(db, id!), 3, { order: 42 });

    const second = await child({ mode: 'run', executionId: id, killAfter: 's7', actor: 'second' });
    expect(second.signal).toBe('SIGKILL');
    expectPrefix(await detailIn(db, id!), 7, { order: 42 });

    const done = await sweepUntilDone(id!);
    expectEachStepOnce(done, { order: 42 });
    // Who ran each step: the first process, the second, then the worker.
    const byStep = new Map(done.events.filter((e) => e.type === 'step_completed').map((e) => [e.step_id, e.actor]));
    expect(allSteps.map((s) => byStep.get(s))).toEqual([
      ...Array(3).fill('token:first'),
      ...Array(4).fill('token:second'),
      ...Array(N - 7).fill('system:worker'),
    ]);
  });

  it('a process killed at an arbitrary moment (possibly mid-transaction) loses no step and repeats none', async () => {
    const key = await createWorkflowIn(db, setChain(100));
    let seen = 0;
    const killAt = 2 + Math.floor(Math.random() * 10);
    const res = await child(
      { mode: 'start', workflowKey: key, trace: true },
      {
        onStdout: (chunk, proc) => {
          seen += chunk.split('\n').filter((l) => l.startsWith('committed')).length;
          // A few milliseconds later the child is somewhere inside a later step's transaction or between two.
          if (seen >= killAt) setTimeout(() => proc.kill('SIGKILL'), Math.floor(Math.random() * 4));
        },
      },
    );
    expect(res.signal).toBe('SIGKILL');
    const [id] = await executionsOf(key);
    const crashed = await detailIn(db, id!);
    const steps = Array.from({ length: 100 }, (_, i) => `s${i + 1}`);
    const k = completedSteps(crashed.events).length;
    expect(k).toBeGreaterThanOrEqual(killAt);
    expect(k).toBeLessThan(steps.length);
    // What committed is exactly a prefix: events, context and pointer agree.
    expect(completedSteps(crashed.events)).toEqual(steps.slice(0, k));
    expect(crashed.current_step_id).toBe(steps[k]);
    expect(crashed.context).toEqual(Object.fromEntries(steps.slice(0, k).map((s, i) => [s, i + 1])));

    const done = await sweepUntilDone(id!);
    expect(done.status).toBe('completed');
    expect(completionCounts(done.events)).toEqual(Object.fromEntries(steps.map((s) => [s, 1])));
    expect(done.context).toEqual(Object.fromEntries(steps.map((s, i) => [s, i + 1])));
  });

  it('concurrent runExecution calls on the same execution never run a step twice', async () => {
    const key = await createWorkflowIn(db, setChain(N));
    // maxSteps: 1 leaves each execution running at s2, handed over for somebody else to continue.
    const ids = await Promise.all(Array.from({ length: 4 }, async () => (await startIn(db, key, {}, { maxSteps: 1 })).id));
    for (const id of ids) expectPrefix(await detailIn(db, id), 1, {});

    const runners = ids.flatMap((id) => [1, 2, 3].map((r) => runExecution(db, id, { actor: `token:runner-${r}` })));
    const finals = await Promise.all(runners);
    expect(finals.every((f) => f.status === 'completed')).toBe(true);
    for (const id of ids) {
      const d = await detailIn(db, id);
      expectEachStepOnce(d);
      // Several runners took part, yet each step has one author.
      expect(new Set(d.events.filter((e) => e.type === 'step_completed').map((e) => e.step_id)).size).toBe(N);
    }
  });

  it('two processes and a worker racing on one execution run each step exactly once', async () => {
    const steps = Array.from({ length: 60 }, (_, i) => `s${i + 1}`);
    const key = await createWorkflowIn(db, setChain(60));
    const started = await startIn(db, key, {}, { maxSteps: 1 });
    // Both processes load and connect first; then all three start together.
    let ready = 0;
    const procs: ChildProcessWithoutNullStreams[] = [];
    let go!: () => void;
    const allReady = new Promise<void>((resolve) => (go = resolve));
    const onStdout = (chunk: string, proc: ChildProcessWithoutNullStreams) => {
      if (chunk.includes('ready')) {
        procs.push(proc);
        if (++ready === 2) go();
      }
    };
    const runs = [1, 2].map((n) => child({ mode: 'run', executionId: started.id, waitForGo: true, actor: `racer-${n}` }, { onStdout, keepStdinOpen: true }));
    await allReady;
    for (const p of procs) p.stdin.end('go\n');
    const [w, a, b] = await Promise.all([wakeDueExecutions(db, { batchSize: 50, now: () => new Date() }), ...runs]);
    expect(a!.code, a!.stderr).toBe(0);
    expect(b!.code, b!.stderr).toBe(0);
    expect(w.errors).toBe(0);
    const d = await detailIn(db, started.id);
    expect(d.status).toBe('completed');
    expect(completionCounts(d.events)).toEqual(Object.fromEntries(steps.map((s) => [s, 1])));
    expect(completedSteps(d.events)).toEqual(steps);
    expect(d.context).toEqual(Object.fromEntries(steps.map((s, i) => [s, i + 1])));
    // They really raced: the steps were shared out between more than one runner.
    expect(new Set(d.events.filter((e) => e.type === 'step_completed').map((e) => e.actor)).size).toBeGreaterThanOrEqual(2);
  });
});
