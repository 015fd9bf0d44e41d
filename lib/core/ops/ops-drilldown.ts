/**
 * The parts of the ops summary that lead somewhere: per workflow, what expires soon, what failed.
 * Each read is bounded (a handful of rows) and uses an index: the paused partial indexes, the
 * events' (type, created_at) and the decisions' created_at.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import type { Step } from '../engine/definition';
import { timeoutOutcome, type Outcome } from '../engine/pause-outcomes';

const DAY_S = 86_400;
/** How many rows the lists carry: a screen's worth, the counts say how many there are in all. */
export const OPS_LIST_LIMIT = 10;

const iso = (d: Date | string | null | undefined) => (d === null || d === undefined ? null : new Date(d).toISOString());
const num = (v: unknown) => Number(v ?? 0);

function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

export type WorkflowBreakdown = {
  workflow_id: string;
  workflow_key: string;
  workflow_name: string;
  paused: number;
  oldest_paused_at: string | null;
  oldest_execution_id: string | null;
  /** Approval requests decided by people in the last 24 h; a rejection counts whichever branch it took. */
  approved_24h: number;
  rejected_24h: number;
  /** From the request to its final decision, over the requests decided in the last 24 h. */
  median_decision_seconds: number | null;
};

/** Every workflow with something paused or decided in the last day. */
export async function workflowBreakdown(db: DbOrTx, nowIso: string): Promise<WorkflowBreakdown[]> {
  const res = await db.execute(sql`
    with paused as (
      select workflow_id, count(*)::int as paused, min(paused_at) as oldest
        from workflow_executions where status = 'paused' group by workflow_id
    ), decided as (
      select e.workflow_id,
             count(*) filter (where a.status = 'approved')::int as approved,
             count(*) filter (where a.status = 'rejected')::int as rejected,
             percentile_cont(0.5) within group (order by extract(epoch from (a.decided_at - a.created_at))) as median_s
        from approval_requests a
        join workflow_executions e on e.id = a.execution_id
       where a.id in (select approval_id from approval_decisions
                       where created_at > ${nowIso}::timestamptz - interval '24 hours' and created_at <= ${nowIso}::timestamptz)
         and a.status in ('approved', 'rejected')
         and a.decided_at > ${nowIso}::timestamptz - interval '24 hours'
       group by e.workflow_id
    )
    select w.id, w.key, w.name,
           coalesce(p.paused, 0) as paused, p.oldest,
           (select x.id from workflow_executions x
             where x.status = 'paused' and x.workflow_id = w.id order by x.paused_at, x.id limit 1) as oldest_id,
           coalesce(d.approved, 0) as approved, coalesce(d.rejected, 0) as rejected, d.median_s
      from workflows w
      left join paused p on p.workflow_id = w.id
      left join decided d on d.workflow_id = w.id
     where p.workflow_id is not null or d.workflow_id is not null
     order by coalesce(p.paused, 0) desc, w.name
     limit 50`);
  return rowsOf<Record<string, unknown>>(res).map((r) => ({
    workflow_id: String(r.id),
    workflow_key: String(r.key),
    workflow_name: String(r.name),
    paused: num(r.paused),
    oldest_paused_at: iso(r.oldest as string | null),
    oldest_execution_id: (r.oldest_id as string | null) ?? null,
    approved_24h: num(r.approved),
    rejected_24h: num(r.rejected),
    median_decision_seconds: r.median_s === null || r.median_s === undefined ? null : Math.round(num(r.median_s)),
  }));
}

export type ExpiringPause = {
  execution_id: string;
  workflow_key: string;
  workflow_name: string;
  step_id: string | null;
  pause_kind: string | null;
  paused_reason: string | null;
  pause_expires_at: string;
  /** What the worker does at the deadline (the step's on_timeout), in words and as the branch it takes. */
  at_deadline: Outcome;
};

/** Undecided pauses whose deadline falls within the next 24 h (or has passed and awaits the worker), soonest first. */
export async function expiringSoon(db: DbOrTx, nowIso: string): Promise<{ count: number; items: ExpiringPause[] }> {
  const horizon = sql`${nowIso}::timestamptz + make_interval(secs => ${DAY_S})`;
  const [countRes, listRes] = await Promise.all([
    db.execute(sql`select count(*)::int as n from workflow_executions
                    where status = 'paused' and decided_at is null and pause_expires_at <= ${horizon}`),
    db.execute(sql`
      select e.id, w.key, w.name, e.paused_step_id, e.pause_kind, e.paused_reason, e.pause_expires_at,
             (select s from json_array_elements(w.definition->'steps') s where s->>'id' = e.paused_step_id limit 1) as step
        from workflow_executions e join workflows w on w.id = e.workflow_id
       where e.status = 'paused' and e.decided_at is null and e.pause_expires_at <= ${horizon}
       order by e.pause_expires_at, e.id
       limit ${OPS_LIST_LIMIT}`),
  ]);
  return {
    count: num(rowsOf<{ n: number }>(countRes)[0]?.n),
    items: rowsOf<Record<string, unknown>>(listRes).map((r) => ({
      execution_id: String(r.id),
      workflow_key: String(r.key),
      workflow_name: String(r.name),
      step_id: (r.paused_step_id as string | null) ?? null,
      pause_kind: (r.pause_kind as string | null) ?? null,
      paused_reason: (r.paused_reason as string | null) ?? null,
      pause_expires_at: iso(r.pause_expires_at as string)!,
      at_deadline: timeoutOutcome((r.step as Step | null) ?? undefined, (r.pause_kind as string | null) ?? null),
    })),
  };
}

/**
 * One thing that went wrong, from any source. `kind` says which; the ids say where to look. New
 * sources (failed deliveries, say) add a kind and their id field, and a function to FAILURE_SOURCES.
 */
export type FailureItem =
  | { kind: 'execution_failed'; at: string; title: string; detail: string | null; execution_id: string; workflow_key: string }
  | { kind: 'worker_errors'; at: string; title: string; detail: string | null; worker_id: string };

export type WorkerLike = { worker_id: string; hostname: string; pid: number; last_cycle_at: string | null; started_at: string; errors: number; stale: boolean };

/** Executions that failed (their 'failed' event) in the last 24 h, latest first. */
async function failedExecutions(db: DbOrTx, nowIso: string): Promise<{ count: number; items: FailureItem[] }> {
  const since = sql`${nowIso}::timestamptz - interval '24 hours'`;
  const [countRes, listRes] = await Promise.all([
    db.execute(sql`select count(*)::int as n from execution_events where type = 'failed' and created_at > ${since} and created_at <= ${nowIso}::timestamptz`),
    db.execute(sql`
      select ev.created_at, ev.step_id, e.id, e.error, w.key, w.name
        from execution_events ev
        join workflow_executions e on e.id = ev.execution_id
        join workflows w on w.id = e.workflow_id
       where ev.type = 'failed' and ev.created_at > ${since} and ev.created_at <= ${nowIso}::timestamptz
       order by ev.created_at desc
       limit ${OPS_LIST_LIMIT}`),
  ]);
  return {
    count: num(rowsOf<{ n: number }>(countRes)[0]?.n),
    items: rowsOf<Record<string, unknown>>(listRes).map((r) => ({
      kind: 'execution_failed' as const,
      at: iso(r.created_at as string)!,
      title: `${String(r.name)} failed${r.step_id ? ` at ${String(r.step_id)}` : ''}`,
      detail: (r.error as string | null) ?? null,
      execution_id: String(r.id),
      workflow_key: String(r.key),
    })),
  };
}

/** Workers whose last cycle reported errors (the heartbeat keeps the last cycle's counts). */
function workerErrors(workers: WorkerLike[]): FailureItem[] {
  return workers
    .filter((w) => w.errors > 0)
    .map((w) => ({
      kind: 'worker_errors' as const,
      at: w.last_cycle_at ?? w.started_at,
      title: `Worker ${w.hostname}:${w.pid} reported errors`,
      detail: `${w.errors} error${w.errors === 1 ? '' : 's'} in its last cycle${w.stale ? ', and it is late' : ''}. Its log (JSON lines) names each execution.`,
      worker_id: w.worker_id,
    }));
}

/** Recent failures from every source, latest first. */
export async function recentFailures(db: DbOrTx, nowIso: string, workers: WorkerLike[]) {
  const executions = await failedExecutions(db, nowIso);
  const fromWorkers = workerErrors(workers);
  const items = [...executions.items, ...fromWorkers].sort((a, b) => b.at.localeCompare(a.at)).slice(0, OPS_LIST_LIMIT);
  return { failed_executions_24h: executions.count, workers_with_errors: fromWorkers.length, items };
}
