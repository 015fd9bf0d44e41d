/**
 * The bench's data set, generated in SQL (generate_series): executions of several workflows over
 * ten days, most of them finished, BENCH_PAUSED of them paused, and pools of rows set aside for the
 * scenarios (each write request gets an execution of its own). Rows of a pool carry
 * `trigger_payload.pool`, so the bench can find them again.
 */
import type pg from 'pg';
import { createWorkflow, ZCreateWorkflow } from '../../core/workflows/workflows';
import type { Db } from '../../db/client';
import type { BenchConfig } from './config';

const step = (id: string, values: Record<string, unknown>, next?: string) => ({ id, type: 'action', action: { type: 'set', values }, ...(next ? { next } : {}) });

/** The rest after the first step: four steps (set, condition, log, set), as in a five-step workflow. */
const REST = [
  step('s2', { checked: true }, 's3'),
  { id: 's3', type: 'condition', condition: { field: 'amount', operator: '>', value: 25_000 }, on_true: 's4', on_false: 's4' },
  { id: 's4', type: 'action', action: { type: 'log', message: 'bench' }, next: 's5' },
  step('s5', { done: true }),
];

export const WORKFLOWS = {
  /** approval → 4 steps: approve, push and drain targets. */
  approval: { key: 'bench-approval', name: 'Bench: approval then four steps', steps: [{ id: 'gate', type: 'approval', reason: 'Bench approval', on_approve: 's2' }, ...REST] },
  /** pause step (callback) → 4 steps: resume targets. */
  callback: { key: 'bench-callback', name: 'Bench: callback then four steps', steps: [{ id: 'gate', type: 'pause', reason: 'Awaiting callback', next: 's2' }, ...REST] },
  /** set → wait (sleeps a day) → 3 steps: pause targets are sleeping in `w`. */
  sleep: { key: 'bench-sleep', name: 'Bench: set, wait, three steps', steps: [step('s1', { s1: true }, 'w'), { id: 'w', type: 'wait', duration: 'P1D', next: 's3' }, REST[1], REST[2], REST[3]] },
  // Filler: more workflows so the tables hold a realistic mix.
  orders: { key: 'orders', name: 'Orders over the limit', steps: [{ id: 'gate', type: 'approval', reason: 'Order over the limit', on_approve: 's2' }, ...REST] },
  refunds: { key: 'refunds', name: 'Refunds', steps: [{ id: 'gate', type: 'approval', reason: 'Refund review', on_approve: 's2' }, ...REST] },
  payouts: { key: 'payouts', name: 'Payouts', steps: [{ id: 'gate', type: 'pause', reason: 'Awaiting the bank', next: 's2' }, ...REST] },
  kyc: { key: 'kyc', name: 'KYC checks', steps: [step('s1', { s1: true }, 'w'), { id: 'w', type: 'wait', duration: 'P1D', next: 's3' }, REST[1], REST[2], REST[3]] },
} as const;

export type WorkflowName = keyof typeof WORKFLOWS;
export type WorkflowIds = Record<WorkflowName, string>;

export async function createBenchWorkflows(db: Db): Promise<WorkflowIds> {
  const ids = {} as WorkflowIds;
  for (const [name, wf] of Object.entries(WORKFLOWS) as [WorkflowName, (typeof WORKFLOWS)[WorkflowName]][]) {
    const created = await createWorkflow(db, ZCreateWorkflow.parse({ key: wf.key, name: wf.name, definition: { steps: wf.steps } }));
    ids[name] = created.id;
  }
  return ids;
}

const TEN_DAYS = `date_trunc('milliseconds', now() - random() * interval '10 days')`;
const PAYLOAD = `jsonb_build_object('amount', (g::bigint * 7919) % 50000, 'customer', 'c' || (g % 20000), 'region', (array['eu','us','apac'])[1 + g % 3])`;

type Say = (m: string) => void;

async function timed(client: pg.ClientBase, say: Say, label: string, text: string, values: unknown[] = []) {
  const t0 = performance.now();
  const r = await client.query(text, values);
  say(`  ${label}: ${r.rowCount ?? 0} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return r;
}

/** Paused rows at the workflow's first step (approval or pause step), `count` of them, tagged with `pool`. */
async function insertPausedAtGate(client: pg.ClientBase, say: Say, wf: string, kind: 'approval' | 'callback', count: number, pool: string | null) {
  if (count <= 0) return;
  const reason = kind === 'approval' ? 'Bench approval' : 'Awaiting callback';
  await timed(
    client,
    say,
    `paused (${kind}${pool ? `, pool ${pool}` : ''})`,
    `insert into workflow_executions (workflow_id, status, trigger_payload, context, current_step_id, started_at, started_by,
       paused_at, paused_reason, paused_step_id, next_step_id, pause_kind, paused_by, pause_expires_at, pause_warned_at, version, updated_at)
     select $1::uuid, 'paused', payload, payload, 'gate', p - interval '2 seconds', 'seed',
       p, $2, 'gate', 's2', $3, 'seed', now() + interval '30 days', now(), 3, p
     from (select g, ${TEN_DAYS} as p,
                  case when $4::text is null then ${PAYLOAD} else ${PAYLOAD} || jsonb_build_object('pool', $4::text, 'n', g) end as payload
           from generate_series(1, $5::int) g) s`,
    [wf, reason, kind, pool, count],
  );
}

/** Manual pauses of executions that slept in a wait step (kept waiting_until, as pause does). */
async function insertPausedManual(client: pg.ClientBase, say: Say, wf: string, count: number) {
  if (count <= 0) return;
  await timed(
    client,
    say,
    'paused (manual)',
    `insert into workflow_executions (workflow_id, status, trigger_payload, context, current_step_id, waiting_until, started_at, started_by,
       paused_at, paused_reason, paused_step_id, next_step_id, pause_kind, paused_by, pause_expires_at, pause_warned_at, version, updated_at)
     select $1::uuid, 'paused', payload, payload || '{"s1": true}', 'w', p + interval '1 day', p - interval '1 minute', 'seed',
       p, 'Paused manually', 'w', 'w', 'manual', 'token:ops', now() + interval '30 days', now(), 4, p
     from (select g, ${TEN_DAYS} as p, ${PAYLOAD} as payload from generate_series(1, $2::int) g) s`,
    [wf, count],
  );
}

/** Running executions sleeping in the wait step `w` (a day to go), tagged with `pool`. */
async function insertSleeping(client: pg.ClientBase, say: Say, wf: string, count: number, pool: string) {
  await timed(
    client,
    say,
    `running, sleeping (pool ${pool})`,
    `insert into workflow_executions (workflow_id, status, trigger_payload, context, current_step_id, waiting_until, wake_at, started_at, started_by, version, updated_at)
     select $1::uuid, 'running', payload, payload || '{"s1": true}', 'w', t + interval '1 day', t + interval '1 day', t, 'seed', 2, t
     from (select g, date_trunc('milliseconds', now() - random() * interval '1 hour') as t,
                  ${PAYLOAD} || jsonb_build_object('pool', $2::text, 'n', g) as payload
           from generate_series(1, $3::int) g) s`,
    [wf, pool, count],
  );
}

export async function generateDataset(client: pg.ClientBase, cfg: BenchConfig, wf: WorkflowIds, say: Say): Promise<void> {
  const { pools } = cfg;
  const running = pools.pause + pools.floor + pools.explain;
  const finished = cfg.executions - cfg.paused - running;
  const t0 = performance.now();

  // Bulk loading: drop the secondary (non-unique) indexes and build them again afterwards, exactly
  // as the migrations defined them — sorting once is far quicker than a million index insertions.
  await client.query(`set maintenance_work_mem = '256MB'`);
  await client.query(`set synchronous_commit = off`);
  const secondary = (
    await client.query<{ name: string; def: string }>(
      `select indexname as name, indexdef as def from pg_indexes
       where schemaname = 'public' and tablename in ('workflow_executions', 'execution_events', 'approval_requests', 'approval_decisions')
         and indexdef not like 'CREATE UNIQUE INDEX%'`,
    )
  ).rows;
  for (const ix of secondary) await client.query(`drop index ${client.escapeIdentifier(ix.name)}`);

  // Finished executions over ten days, spread over all workflows: 85% completed, then failed,
  // cancelled, rejected, expired.
  await timed(
    client,
    say,
    'finished',
    `insert into workflow_executions (workflow_id, status, trigger_payload, context, current_step_id, started_at, started_by, completed_at, error,
       resume_count, last_resumed_at, version, updated_at)
     select w.ids[1 + (g % w.n)], s.status, s.payload, s.payload || '{"s2": true, "done": true}', null, s.t, 'seed', s.t + (g % 900) * interval '1 second',
       case s.status when 'failed' then 'bench: failed on purpose' when 'expired' then 'pause expired' else null end,
       case when s.status in ('completed', 'rejected') then 1 else 0 end,
       case when s.status in ('completed', 'rejected') then s.t + (g % 600) * interval '1 second' else null end,
       7, s.t + (g % 900) * interval '1 second'
     from (select g, ${TEN_DAYS} as t, ${PAYLOAD} as payload,
                  case when g % 100 < 85 then 'completed' when g % 100 < 90 then 'failed' when g % 100 < 93 then 'cancelled'
                       when g % 100 < 97 then 'rejected' else 'expired' end as status
           from generate_series(1, $1::int) g) s
     cross join (select array_agg(id order by key) as ids, count(*)::int as n from workflows) w`,
    [finished],
  );

  // Paused: the pools first, then filler across the workflows (half approvals, a third callbacks, the rest manual).
  await insertPausedAtGate(client, say, wf.callback, 'callback', pools.resume, 'resume');
  await insertPausedAtGate(client, say, wf.approval, 'approval', pools.approve, 'approve');
  await insertPausedAtGate(client, say, wf.approval, 'approval', pools.push, 'push');
  for (const n of cfg.drainWorkers) await insertPausedAtGate(client, say, wf.approval, 'approval', pools.drain, `drain-${n}`);
  await insertPausedAtGate(client, say, wf.approval, 'approval', pools.explain, 'explain-approve');
  await insertPausedAtGate(client, say, wf.callback, 'callback', pools.explain, 'explain-resume');
  await insertPausedAtGate(client, say, wf.approval, 'approval', pools.explain, 'explain-worker');
  const pooled = pools.resume + pools.approve + pools.push + pools.drain * cfg.drainWorkers.length + pools.explain * 3;
  const filler = cfg.paused - pooled;
  const approvals = Math.floor(filler / 2);
  const callbacks = Math.floor(filler / 3);
  const manual = filler - approvals - callbacks;
  await insertPausedAtGate(client, say, wf.orders, 'approval', Math.floor(approvals / 2), null);
  await insertPausedAtGate(client, say, wf.refunds, 'approval', approvals - Math.floor(approvals / 2), null);
  await insertPausedAtGate(client, say, wf.payouts, 'callback', callbacks, null);
  await insertPausedManual(client, say, wf.kyc, manual);

  // Running executions sleeping in a wait step: what pause acts on, and the floor's rows.
  await insertSleeping(client, say, wf.sleep, pools.pause, 'pause');
  await insertSleeping(client, say, wf.sleep, pools.floor, 'floor');
  await insertSleeping(client, say, wf.sleep, pools.explain, 'explain-pause');

  // The timeline: a started event for every execution and one for where it is now.
  await timed(
    client,
    say,
    'events (started, and where each is now)',
    `insert into execution_events (execution_id, type, step_id, actor, data, created_at)
     select e.id, x.type, x.step_id, x.actor, x.data, x.created_at
     from workflow_executions e
     cross join lateral (values
       ('started', null, e.started_by, jsonb_build_object('workflow_key', 'bench'), e.started_at),
       (case e.status when 'running' then 'waiting' else e.status end, coalesce(e.paused_step_id, e.current_step_id), 'seed', null::jsonb,
        coalesce(e.completed_at, e.paused_at, e.started_at + interval '1 second'))
     ) as x(type, step_id, actor, data, created_at)`,
  );
  // Approval requests: pending for every approval pause, approved (with the decision) for a third
  // of the finished executions of approval workflows.
  await timed(
    client,
    say,
    'approvals: pending',
    `insert into approval_requests (execution_id, step_id, reason, status, created_at)
     select id, 'gate', paused_reason, 'pending', paused_at from workflow_executions where status = 'paused' and pause_kind = 'approval'`,
  );
  await timed(
    client,
    say,
    'approvals: decided (history)',
    `insert into approval_requests (execution_id, step_id, reason, status, approvals_received, created_at, decided_at, version)
     select e.id, 'gate', 'Bench approval', 'approved', 1, e.started_at, e.started_at + interval '1 minute', 1
     from workflow_executions e join workflows w on w.id = e.workflow_id
     where e.status = 'completed' and w.key in ('bench-approval', 'orders', 'refunds') and random() < 0.34`,
  );
  await timed(
    client,
    say,
    'approval decisions (history)',
    `insert into approval_decisions (approval_id, actor, decision, created_at)
     select id, 'approver@example.com', 'approve', decided_at from approval_requests where status = 'approved'`,
  );
  const ti = performance.now();
  for (const ix of secondary) await client.query(ix.def);
  say(`  ${secondary.length} indexes built again in ${((performance.now() - ti) / 1000).toFixed(1)} s`);
  await client.query('reset synchronous_commit');
  await client.query('reset maintenance_work_mem');
  say(`  data set generated in ${((performance.now() - t0) / 1000).toFixed(1)} s; vacuum analyze + checkpoint…`);
  const t1 = performance.now();
  await client.query('vacuum (analyze)');
  await client.query('checkpoint');
  say(`  vacuum analyze + checkpoint: ${((performance.now() - t1) / 1000).toFixed(1)} s`);
}

export type Pools = {
  pause: string[];
  floor: string[];
  resume: string[];
  /** approval request ids */
  approve: string[];
  push: string[];
  drain: Record<number, string[]>;
  explain: { pause: string[]; resume: string[]; approve: string[]; worker: string[] };
};

/** The pooled executions (or, for approval pools, their pending approval requests), by pool. */
export async function loadPools(client: pg.ClientBase, cfg: BenchConfig): Promise<Pools> {
  const r = await client.query<{ pool: string; ids: string[] }>(
    `select e.trigger_payload->>'pool' as pool,
            array_agg(coalesce(a.id, e.id) order by (e.trigger_payload->>'n')::int) as ids
     from workflow_executions e
     left join approval_requests a on a.execution_id = e.id and a.status = 'pending'
     where e.trigger_payload ? 'pool'
     group by 1`,
  );
  const by = new Map(r.rows.map((row) => [row.pool, row.ids]));
  const get = (name: string) => {
    const ids = by.get(name);
    if (!ids) throw new Error(`pool ${name} is missing from the data set`);
    return ids;
  };
  return {
    pause: get('pause'),
    floor: get('floor'),
    resume: get('resume'),
    approve: get('approve'),
    push: get('push'),
    drain: Object.fromEntries(cfg.drainWorkers.map((n) => [n, get(`drain-${n}`)])),
    explain: { pause: get('explain-pause'), resume: get('explain-resume'), approve: get('explain-approve'), worker: get('explain-worker') },
  };
}

/** The execution ids behind approval request ids. */
export async function executionsOfApprovals(client: pg.ClientBase, approvalIds: string[]): Promise<string[]> {
  const r = await client.query<{ execution_id: string }>('select execution_id from approval_requests where id = any($1::uuid[])', [approvalIds]);
  return r.rows.map((x) => x.execution_id);
}
