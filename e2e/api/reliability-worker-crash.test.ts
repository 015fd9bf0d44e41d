import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkflow } from '@/lib/core/workflows/workflows';
import type { Db } from '@/lib/db/client';
import { isolatedDatabase, uid, sqlRows } from '../helpers/env';
import { spawnWorker, waitForOutput, type Proc } from '../helpers/processes';

/**
 * A worker killed with SIGKILL in the middle of a batch while another keeps going. What the dead
 * worker had claimed is either uncommitted (its row locks go with its connections, and the other
 * worker claims the rows again) or committed as running with a lease (the other worker continues it
 * once EXECUTION_LEASE lapses). Either way: every decided execution is resumed, exactly once, and
 * every step after the approval runs exactly once.
 */
const LEASE = '2s';
const SHORT = 1500; // approval, then 3 steps: resumed and finished inside the claim's transaction
const LONG = 100; // approval, then 70 steps: more than one transaction takes, so they go on under a lease
const LONG_STEPS = 70;

function approvalThen(n: number) {
  const ids = Array.from({ length: n }, (_, i) => `s${i + 1}`);
  return {
    steps: [
      { id: 'gate', type: 'approval', reason: 'Crash test', on_approve: ids[0] },
      ...ids.map((id, i) => ({ id, type: 'action', action: { type: 'set', values: { [id]: i + 1 } }, ...(i + 1 < n ? { next: ids[i + 1] } : {}) })),
    ],
  };
}


describe('a worker killed mid-batch', () => {
  let dbh: Awaited<ReturnType<typeof isolatedDatabase>>;
  let db: Db;
  const procs: Proc[] = [];

  beforeAll(async () => {
    dbh = await isolatedDatabase(4);
    db = dbh.db;
  });
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await dbh.close();
  });

  async function seedDecided(workflowId: string, n: number, tag: string) {
    await db.execute(sql`
      insert into workflow_executions (workflow_id, status, trigger_payload, context, current_step_id, started_by, paused_at, paused_reason,
        paused_step_id, next_step_id, pause_kind, paused_by, pause_expires_at, decided_at, resume_data, pause_warned_at)
      select ${workflowId}::uuid, 'paused', jsonb_build_object('tag', ${tag}::text, 'n', g), jsonb_build_object('n', g), 'gate', 'seed',
        now() - interval '1 hour', 'Crash test', 'gate', 's1', 'approval', 'seed', now() + interval '6 days',
        now() - (g || ' milliseconds')::interval, '{"approved": true}'::jsonb, now()
      from generate_series(1, ${n}::int) g`);
  }

  it('loses nothing and resumes nothing twice; the survivor takes over the dead worker’s claims', async () => {
    const short = await createWorkflow(db, { key: uid('crash-short'), name: 'Short', definition: approvalThen(3) as never });
    const long = await createWorkflow(db, { key: uid('crash-long'), name: 'Long', definition: approvalThen(LONG_STEPS) as never });
    const total = SHORT + LONG;

    // Both workers up and idle first (their first sweep done), so both take part from the start.
    const env = { EXECUTION_LEASE: LEASE, WORKER_BATCH_SIZE: '10', WORKER_INTERVAL: '1s' };
    // PGAPPNAME names the victim's connections, so we can see when it is inside a claim.
    const victim = spawnWorker(dbh.url, { ...env, PGAPPNAME: 'wr-victim' });
    const survivor = spawnWorker(dbh.url, env);
    procs.push(victim, survivor);
    await Promise.all([victim, survivor].map((p) => waitForOutput(p, /Paused executions processed/)));
    await seedDecided(short.id, SHORT, 'short');
    await seedDecided(long.id, LONG, 'long');

    // Kill the victim while it is inside a transaction holding the rows it claimed (a transaction id
    // is assigned once FOR UPDATE has locked a row) — a claim, or a long execution's next steps.
    let midBatch = false;
    const killBy = Date.now() + 20_000;
    while (!midBatch && Date.now() < killBy) {
      const [a] = await sqlRows<{ n: number }>(
        db,
        sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'wr-victim' and backend_xid is not null`,
      );
      midBatch = a!.n > 0;
      if (midBatch) victim.child.kill('SIGKILL');
    }
    expect(midBatch, 'caught the victim inside a transaction holding claims').toBe(true);
    const exit = await victim.exited;
    expect(exit.signal).toBe('SIGKILL');
    const [left] = await sqlRows<{ n: number }>(db, sql`select count(*)::int as n from workflow_executions where status <> 'completed'`);
    expect(left!.n, 'work was left when the victim died').toBeGreaterThan(0);

    // The survivor finishes everything, including what the victim held (after the lease for the long ones).
    let unfinished = total;
    const finishBy = Date.now() + 60_000;
    while (unfinished > 0 && Date.now() < finishBy) {
      await new Promise((r) => setTimeout(r, 200));
      unfinished = (await sqlRows<{ n: number }>(db, sql`select count(*)::int as n from workflow_executions where status <> 'completed'`))[0]!.n;
    }
    expect(unfinished).toBe(0);

    // Exactly once: one resumed event and resume_count 1 per execution; every step once; one completion.
    const [check] = await sqlRows<{ resumed_not_once: number; count_not_one: number; completed_not_once: number; steps_twice: number; steps_missing: number }>(
      db,
      sql`
      with per as (
        select e.id, e.resume_count, w.key,
          (select count(*) from execution_events v where v.execution_id = e.id and v.type = 'resumed') as resumed,
          (select count(*) from execution_events v where v.execution_id = e.id and v.type = 'completed') as completed,
          (select count(*) from execution_events v where v.execution_id = e.id and v.type = 'step_completed') as steps,
          (select count(distinct v.step_id) from execution_events v where v.execution_id = e.id and v.type = 'step_completed') as distinct_steps
        from workflow_executions e join workflows w on w.id = e.workflow_id)
      select count(*) filter (where resumed <> 1)::int as resumed_not_once,
             count(*) filter (where resume_count <> 1)::int as count_not_one,
             count(*) filter (where completed <> 1)::int as completed_not_once,
             count(*) filter (where steps <> distinct_steps)::int as steps_twice,
             count(*) filter (where distinct_steps <> case when key like 'crash-long%' then ${LONG_STEPS} else 3 end)::int as steps_missing
      from per`,
    );
    expect(check).toEqual({ resumed_not_once: 0, count_not_one: 0, completed_not_once: 0, steps_twice: 0, steps_missing: 0 });
    // Each long execution's context holds every step's value: no step was skipped or run on stale state.
    const [ctx] = await sqlRows<{ bad: number }>(
      db,
      sql`select count(*)::int as bad from workflow_executions e join workflows w on w.id = e.workflow_id
          where w.key like 'crash-long%' and (e.context->>${`s${LONG_STEPS}`})::int is distinct from ${LONG_STEPS}`,
    );
    expect(ctx!.bad).toBe(0);

    // The survivor did its share, and stops cleanly.
    expect(survivor.output()).toMatch(/Paused executions processed: resumed=[1-9]/);
    survivor.child.kill('SIGTERM');
    expect((await survivor.exited).code).toBe(0);
  });
});
