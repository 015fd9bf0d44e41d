/**
 * The hot statements' plans do not depend on table statistics or on generic vs custom planning.
 *
 * A fresh database is analyzed while it is small (a few hundred finished executions, no or two
 * paused ones), autovacuum is off for its tables, then a burst of thousands of pauses arrives — what
 * a database sees right after a burst, when ops open the paused list. The statistics now say "almost
 * nothing is paused". Each hot statement, captured from the product code as it sends it, is then
 * planned as the prepared statement it is, under plan_cache_mode = force_generic_plan and
 * force_custom_plan, and every plan must choose the page from an index first: the Limit sits right on
 * an index scan, with no Sort over the whole set and no per-row join or subquery below it (see
 * pageFirstViolations). The same holds once the statistics are up to date.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listApprovals } from '@/lib/core/approvals/list-approvals';
import { listExecutions } from '@/lib/core/executions/list-executions';
import { encodeKeysetCursor } from '@/lib/core/pagination';
import { listPausedExecutions } from '@/lib/core/resumer/list-paused-executions';
import { expirePausedExecutions } from '@/lib/core/worker/expire-paused-executions';
import { resumeDecidedExecutions } from '@/lib/core/worker/resume-decided-executions';
import { claimDueExecutions } from '@/lib/core/worker/wake-due-executions';
import { warnOldPauses } from '@/lib/core/worker/warn-old-pauses';
import { createWorkflow } from '@/lib/core/workflows/workflows';
import { createDb, type Db } from '@/lib/db/client';
import { log } from '@/lib/log';
import { isolatedDatabase } from '../helpers/env';
import { capturingDb, pageFirstViolations, planText, preparedPlan, type Captured, type PlanCacheMode } from '../helpers/query-plans';

const BURST = 6_000;
const FINISHED = 20_000;
const MODES: PlanCacheMode[] = ['force_generic_plan', 'force_custom_plan'];
const silent = log.child({ component: 'query-plans-test' }, { level: 'silent' });

type Checked = { operation: string; page: string; lookups: readonly string[]; statements: Captured[] };

const REGIMES = [
  { name: 'no pause when last analyzed', pausedWhenAnalyzed: 0, analyzeAfterBurst: false },
  { name: 'two pauses when last analyzed', pausedWhenAnalyzed: 2, analyzeAfterBurst: false },
  { name: 'statistics up to date', pausedWhenAnalyzed: 2, analyzeAfterBurst: true },
];

describe.each(REGIMES)('query plans: $name', ({ pausedWhenAnalyzed, analyzeAfterBurst }) => {
  let dbh: Awaited<ReturnType<typeof isolatedDatabase>>;
  let handle: ReturnType<typeof createDb>;
  let db: Db;
  let capturing: ReturnType<typeof capturingDb>;
  const checked: Checked[] = [];
  let wf: { approval: string; approvalKey: string; callback: string; sleep: string };

  /** Runs `fn` with a recording db and keeps its statements that choose a page (they have a LIMIT). */
  async function capture(operation: string, page: string, lookups: readonly string[], fn: (db: Db) => Promise<unknown>) {
    const statements = (await capturing.capture(operation, fn)).filter((s) => /\blimit\b/i.test(s.sql));
    expect(statements.length, `${operation}: no statement with a LIMIT was captured`).toBeGreaterThan(0);
    checked.push({ operation, page, lookups, statements });
  }

  beforeAll(async () => {
    dbh = await isolatedDatabase();
    handle = createDb(dbh.url, 3);
    db = handle.db;
    capturing = capturingDb(dbh.url);
    for (const t of ['workflows', 'workflow_executions', 'approval_requests', 'approval_decisions', 'execution_events']) {
      await db.execute(sql.raw(`alter table ${t} set (autovacuum_enabled = false)`));
    }
    const step = (id: string, next?: string) => ({ id, type: 'action', action: { type: 'set', values: { [id]: true } }, ...(next ? { next } : {}) });
    const mk = async (key: string, steps: unknown[]) => (await createWorkflow(db, { key, name: `Plans ${key}`, definition: { steps } as never })).id;
    wf = {
      approval: await mk('plans-approval', [{ id: 'gate', type: 'approval', reason: 'Order over the limit', on_approve: 's2' }, step('s2')]),
      approvalKey: 'plans-approval',
      callback: await mk('plans-callback', [{ id: 'gate', type: 'pause', reason: 'Awaiting callback', next: 's2' }, step('s2')]),
      sleep: await mk('plans-sleep', [step('s1', 'w'), { id: 'w', type: 'wait', duration: 'P1D', next: 's3' }, step('s3')]),
    };

    // A small, settled table: finished executions, two recent pauses, one decided approval — analyzed.
    await db.execute(sql`
      insert into workflow_executions (workflow_id, status, trigger_payload, context, started_by, started_at, completed_at, version)
      select ${wf.callback}::uuid, 'completed', '{}', '{}', 'seed', now() - g * interval '1 minute', now() - g * interval '1 minute', 3
      from generate_series(1, 300) g`);
    await db.execute(sql`
      insert into workflow_executions (workflow_id, status, trigger_payload, context, current_step_id, started_by, paused_at, paused_reason,
        paused_step_id, next_step_id, pause_kind, paused_by, pause_expires_at, version)
      select ${wf.callback}::uuid, 'paused', '{}', '{}', 'gate', 'seed', now() - interval '1 hour', 'Awaiting callback', 'gate', 's2', 'callback', 'seed',
        now() + interval '7 days', 2
      from generate_series(1, ${pausedWhenAnalyzed}::int)`);
    await db.execute(sql`
      with e as (
        insert into workflow_executions (workflow_id, status, trigger_payload, context, started_by, started_at, completed_at, version)
        values (${wf.approval}::uuid, 'completed', '{}', '{}', 'seed', now() - interval '2 hours', now() - interval '1 hour', 4) returning id),
      a as (
        insert into approval_requests (execution_id, step_id, reason, status, approvals_received, created_at, decided_at)
        select id, 'gate', 'Order over the limit', 'approved', 1, now() - interval '2 hours', now() - interval '1 hour' from e returning id)
      insert into approval_decisions (approval_id, actor, decision, created_at) select id, 'ada@example.com', 'approve', now() - interval '1 hour' from a`);
    await db.execute(sql`analyze`);

    // The worker's claims, captured now: nothing is due yet, so they only send their statements.
    const now = () => new Date();
    await capture('worker: claim decided executions', 'workflow_executions', [], (d) => resumeDecidedExecutions(d, { batchSize: 50, now, log: silent }));
    await capture('worker: claim one decided execution (push)', 'workflow_executions', [], (d) =>
      resumeDecidedExecutions(d, { batchSize: 1, now, log: silent, executionId: '00000000-0000-4000-8000-000000000000' }),
    );
    await capture('worker: claim due wake-ups', 'workflow_executions', [], (d) => claimDueExecutions(d, 50, now()));
    await capture('worker: claim expired pauses', 'workflow_executions', [], (d) => expirePausedExecutions(d, { batchSize: 50, now, log: silent }));
    await capture('worker: claim pauses to warn about', 'workflow_executions', [], (d) => warnOldPauses(d, { batchSize: 50, now, log: silent, warnAfterMs: 86_400_000 }));

    // The burst: thousands of pauses (approvals with pending requests, callbacks, manual pauses; some
    // decided, some past their deadline, many old enough to warn about), sleeping executions, and the
    // month's finished executions (the table is mostly history, as in production).
    await db.execute(sql`
      insert into workflow_executions (workflow_id, status, trigger_payload, context, current_step_id, started_by, started_at, paused_at,
        paused_reason, paused_step_id, next_step_id, pause_kind, paused_by, pause_expires_at, decided_at, resume_data, version)
      select case k when 0 then ${wf.approval}::uuid else ${wf.callback}::uuid end, 'paused', jsonb_build_object('n', g), jsonb_build_object('n', g),
        'gate', 'seed', p - interval '1 second', p,
        case k when 0 then 'Order over the limit' when 1 then 'Awaiting callback' else 'Paused manually' end,
        'gate', 's2', case k when 0 then 'approval' when 1 then 'callback' else 'manual' end, 'seed',
        case when g % 20 = 0 then now() - interval '1 minute' else now() + interval '30 days' end,
        case when k = 0 and g % 15 = 0 then p + interval '1 minute' end,
        case when k = 0 and g % 15 = 0 then '{"approved": true}'::jsonb end, 2
      from (select g, g % 3 as k, date_trunc('milliseconds', now() - random() * interval '10 days') as p from generate_series(1, ${BURST}::int) g) s`);
    await db.execute(sql`
      insert into approval_requests (execution_id, step_id, reason, required_approvals, approver_role, status, approvals_received, created_at, decided_at)
      select id, 'gate', 'Order over the limit', 2, 'approver', case when decided_at is null then 'pending' else 'approved' end,
        case when decided_at is null then 1 else 2 end, paused_at, decided_at
      from workflow_executions where pause_kind = 'approval' and status = 'paused'`);
    await db.execute(sql`
      insert into approval_decisions (approval_id, actor, decision, created_at)
      select id, 'ada@example.com', 'approve', created_at + interval '1 second' from approval_requests a
       where not exists (select 1 from approval_decisions d where d.approval_id = a.id)
      union all
      select id, 'bob@example.com', 'approve', decided_at from approval_requests a
       where status = 'approved' and not exists (select 1 from approval_decisions d where d.approval_id = a.id)`);
    await db.execute(sql`
      insert into workflow_executions (workflow_id, status, trigger_payload, context, started_by, started_at, completed_at, version)
      select case g % 3 when 0 then ${wf.approval}::uuid when 1 then ${wf.callback}::uuid else ${wf.sleep}::uuid end,
        case when g % 50 = 0 then 'failed' else 'completed' end, jsonb_build_object('n', g), jsonb_build_object('n', g), 'seed', t, t + interval '1 minute', 4
      from (select g, date_trunc('milliseconds', now() - random() * interval '30 days') as t from generate_series(1, ${FINISHED}::int) g) s`);
    await db.execute(sql`
      insert into workflow_executions (workflow_id, status, trigger_payload, context, current_step_id, started_by, started_at, waiting_until, wake_at, version)
      select ${wf.sleep}::uuid, 'running', '{}', '{}', 'w', 'seed', now() - interval '1 day', w, w, 2
      from (select now() + (g - 500) * interval '1 minute' as w from generate_series(1, 1000) g) s`);

    if (analyzeAfterBurst) await db.execute(sql`analyze`);

    // Every list shape the API serves, with a cursor from the middle of the burst.
    const [mid] = (
      await db.execute(sql`select paused_at, id from workflow_executions where status = 'paused' order by paused_at, id offset ${BURST / 2} limit 1`)
    ).rows as { paused_at: string; id: string }[];
    const pausedCursor = encodeKeysetCursor(new Date(mid!.paused_at), mid!.id);
    for (const workflow_id of [undefined, wf.approvalKey]) {
      for (const reason of [undefined, 'limit']) {
        for (const cursor of [undefined, pausedCursor]) {
          const shape = [workflow_id && 'workflow', reason && 'reason', cursor && 'cursor'].filter(Boolean).join(' + ') || 'first page';
          await capture(`paused list (${shape})`, 'workflow_executions', ['approval_requests', 'approval_decisions'], (d) =>
            listPausedExecutions(d, { limit: 50, workflow_id, reason, cursor }),
          );
        }
      }
    }

    const [midApproval] = (
      await db.execute(sql`select created_at, id from approval_requests where status = 'pending' order by created_at, id offset ${BURST / 6} limit 1`)
    ).rows as { created_at: string; id: string }[];
    const approvalCursor = encodeKeysetCursor(new Date(midApproval!.created_at), midApproval!.id);
    for (const cursor of [undefined, approvalCursor]) {
      await capture(`approvals inbox (pending${cursor ? ' + cursor' : ''})`, 'approval_requests', ['workflow_executions', 'approval_decisions'], (d) =>
        listApprovals(d, { status: 'pending', limit: 50, cursor }),
      );
    }

    const [midStarted] = (
      await db.execute(sql`select started_at, id from workflow_executions order by started_at desc, id desc offset ${BURST / 2} limit 1`)
    ).rows as { started_at: string; id: string }[];
    const startedCursor = encodeKeysetCursor(new Date(midStarted!.started_at), midStarted!.id);
    for (const status of [undefined, 'paused', 'completed'] as const) {
      for (const workflow_id of [undefined, wf.approvalKey]) {
        for (const cursor of [undefined, startedCursor]) {
          const shape = [status && `status ${status}`, workflow_id && 'workflow', cursor && 'cursor'].filter(Boolean).join(' + ') || 'first page';
          await capture(`executions list (${shape})`, 'workflow_executions', [], (d) =>
            listExecutions(d, { limit: 50, status, workflow_id, cursor }),
          );
        }
      }
    }
  });

  afterAll(async () => {
    await capturing?.close();
    await handle?.pool.end();
    await dbh?.close();
  });

  it(`the planner ${analyzeAfterBurst ? 'knows' : 'expects a handful of'} the thousands of paused executions`, async () => {
    const [r] = (await db.execute(sql`select count(*)::int as n from workflow_executions where status = 'paused'`)).rows as { n: number }[];
    expect(r!.n).toBeGreaterThanOrEqual(BURST);
    const client = await handle.pool.connect();
    try {
      const plan = await preparedPlan(client, { operation: 'estimate', sql: `select id from workflow_executions where status = 'paused'`, params: [] }, 'force_custom_plan');
      if (analyzeAfterBurst) expect(plan['Plan Rows']).toBeGreaterThan(BURST / 2);
      else expect(plan['Plan Rows']).toBeLessThan(BURST / 10);
    } finally {
      client.release();
    }
  });

  it.each(MODES)('every hot statement chooses its page from an index first (%s)', async (mode) => {
    const client = await handle.pool.connect();
    const failures: string[] = [];
    try {
      for (const c of checked) {
        for (const s of c.statements) {
          const plan = await preparedPlan(client, s, mode);
          const problems = pageFirstViolations(plan, c.page, c.lookups);
          if (problems.length) failures.push(`${c.operation}:\n  ${problems.join('\n  ')}\n  ${s.sql.replace(/\s+/g, ' ').slice(0, 300)}\n${planText(plan)}`);
        }
      }
    } finally {
      client.release();
    }
    expect(failures, failures.join('\n\n')).toEqual([]);
  });
});
