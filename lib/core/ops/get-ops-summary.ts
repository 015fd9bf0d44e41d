import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../db/client';
import { ZId, ZTimestamp } from '../dto';
import { EXECUTION_STATUSES, type ExecutionStatus } from '../engine/state-machine';
import { expiringSoon, recentFailures, workflowBreakdown } from './ops-drilldown';

const count = z.number().int();

const ZWorker = z.strictObject({
  worker_id: z.string(),
  hostname: z.string(),
  pid: z.number().int(),
  started_at: ZTimestamp,
  last_cycle_at: ZTimestamp.nullable(),
  seconds_since_last_cycle: z.number().int().nullable(),
  last_cycle_ms: z.number().int().nullable(),
  interval_ms: z.number().int(),
  resumed: count,
  skipped: count,
  errors: count,
  totals: z.record(z.string(), z.number()).nullable(),
  stale: z.boolean(),
});

/** One property per execution status (a record over an enum would not say which keys exist). */
const ZCountByStatus = z.strictObject(Object.fromEntries(EXECUTION_STATUSES.map((s) => [s, count])) as Record<ExecutionStatus, typeof count>);

export const ZOpsSummary = z.strictObject({
  generated_at: ZTimestamp,
  executions: z.strictObject({ total: count, by_status: ZCountByStatus }),
  paused: z.strictObject({
    count,
    oldest_age_seconds: z.number().int().nullable(),
    over_24h: count,
    oldest_execution_id: ZId.nullable(),
    age_histogram: z.array(z.strictObject({ label: z.string(), min_seconds: z.number(), max_seconds: z.number().nullable(), count })),
  }),
  approvals: z.strictObject({
    pending: count,
    oldest_pending_at: ZTimestamp.nullable(),
    decisions_last_24h: z.strictObject({
      approve: count,
      reject: count,
      per_hour: z.array(z.strictObject({ hours_ago: z.number().int(), hour_start: ZTimestamp, approve: count, reject: count })),
    }),
    median_decision_seconds_24h: z.number().int().nullable(),
  }),
  decision_time: z.strictObject({
    window_days: z.number().int(),
    workflows: z.array(
      z.strictObject({
        workflow_id: ZId,
        workflow_key: z.string(),
        workflow_name: z.string(),
        decided: count.meta({ description: 'Requests decided in the window' }),
        p50_seconds: z.number().int().nullable().meta({ description: 'Median time from request to final decision' }),
        p90_seconds: z.number().int().nullable(),
        reminded: count.meta({ description: 'Requests (pending, or decided in the window) that needed a reminder' }),
        escalated: count.meta({ description: 'Requests (pending, or decided in the window) that were escalated' }),
      }),
    ),
  }),
  workers: z.strictObject({ status: z.enum(['ok', 'stale', 'none']), list: z.array(ZWorker) }),
  by_workflow: z.array(
    z.strictObject({
      workflow_id: ZId,
      workflow_key: z.string(),
      workflow_name: z.string(),
      paused: count,
      oldest_paused_at: ZTimestamp.nullable(),
      oldest_execution_id: ZId.nullable(),
      approved_24h: count,
      rejected_24h: count.meta({ description: 'Rejections by people in the last 24 h, whichever branch the workflow then took (on_reject or ending as rejected)' }),
      median_decision_seconds: z.number().int().nullable(),
    }),
  ),
  expiring_soon: z.strictObject({
    count,
    items: z.array(
      z.strictObject({
        execution_id: ZId,
        workflow_key: z.string(),
        workflow_name: z.string(),
        step_id: z.string().nullable(),
        pause_kind: z.string().nullable(),
        paused_reason: z.string().nullable(),
        pause_expires_at: ZTimestamp,
        at_deadline: z.strictObject({ next: z.string().nullable(), ends: z.enum(['completed', 'rejected', 'expired', 'failed']).nullable(), text: z.string() }),
      }),
    ),
  }),
  failures: z.strictObject({
    failed_executions_24h: count,
    workers_with_errors: count,
    items: z.array(
      z.discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('execution_failed'), at: ZTimestamp, title: z.string(), detail: z.string().nullable(), execution_id: ZId, workflow_key: z.string() }),
        z.strictObject({ kind: z.literal('worker_errors'), at: ZTimestamp, title: z.string(), detail: z.string().nullable(), worker_id: z.string() }),
      ]),
    ),
  }),
});
export type OpsSummary = z.infer<typeof ZOpsSummary>;

/** Paused-age buckets for the ops chart: [label, lower bound in seconds]. The last is open-ended. */
export const PAUSED_AGE_BUCKETS = [
  ['< 1 h', 0],
  ['1–4 h', 3_600],
  ['4–24 h', 4 * 3_600],
  ['1–3 d', 86_400],
  ['3–7 d', 3 * 86_400],
  ['> 7 d', 7 * 86_400],
] as const;

const DAY_S = 86_400;
/** Time to decision covers requests decided in this many days. */
const DECISION_WINDOW_DAYS = 7;
const HOURS = 24;
/** Heartbeats of workers not heard from in this long are left out (dead processes' rows stay in the table). */
const WORKER_FORGET_AFTER_MS = 24 * 3_600_000;

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
const num = (v: unknown) => Number(v ?? 0);

function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/**
 * The ops wall screen in one read: executions by status, the paused backlog and its ages, approval
 * decisions per hour over the last day, and each live worker's last heartbeat. Every query uses an
 * index or a small table (paused rows are a partial index; decisions are indexed by time).
 */
export async function getOpsSummary(db: DbOrTx, opts: { now?: Date } = {}) {
  const now = opts.now ?? new Date();
  const nowIso = now.toISOString();
  const bucketCases = PAUSED_AGE_BUCKETS.map(([, lower], i) => {
    const upper = PAUSED_AGE_BUCKETS[i + 1]?.[1];
    const cond =
      upper === undefined
        ? sql`age >= ${lower}`
        : sql`age >= ${lower} and age < ${upper}`;
    return sql`count(*) filter (where ${cond})::int as ${sql.raw(`b${i}`)}`;
  });

  const [statusRes, pausedRes, decisionsRes, pendingRes, workersRes, decisionTimeRes, byWorkflow, expiring, medianRes] = await Promise.all([
    db.execute(sql`select status, count(*)::int as n from workflow_executions group by status`),
    db.execute(sql`
      with p as (
        select extract(epoch from (${nowIso}::timestamptz - paused_at)) as age
        from workflow_executions where status = 'paused' and paused_at is not null
      )
      select count(*)::int as paused,
             max(age) as oldest_age,
             (select id from workflow_executions where status = 'paused' and paused_at is not null order by paused_at, id limit 1) as oldest_id,
             count(*) filter (where age > ${DAY_S})::int as over_24h,
             ${sql.join(bucketCases, sql`, `)}
      from p`),
    db.execute(sql`
      select floor(extract(epoch from (${nowIso}::timestamptz - created_at)) / 3600)::int as hours_ago,
             decision, count(*)::int as n
      from approval_decisions
      where created_at > ${nowIso}::timestamptz - interval '24 hours' and created_at <= ${nowIso}::timestamptz
      group by 1, 2`),
    db.execute(sql`
      select count(*)::int as pending, min(created_at) as oldest
      from approval_requests where status = 'pending'`),
    db.execute(sql`
      select worker_id, hostname, pid, started_at, last_cycle_at, last_cycle_ms, interval_ms, resumed, skipped, errors, totals
      from worker_heartbeats
      where coalesce(last_cycle_at, started_at) > ${nowIso}::timestamptz - make_interval(secs => ${WORKER_FORGET_AFTER_MS / 1000})
      order by coalesce(last_cycle_at, started_at) desc
      limit 20`),
    // Time to decision per workflow: requests decided in the window (idx_approvals_decided_at), and
    // requests of the window that needed a reminder or an escalation (pending ones included).
    db.execute(sql`
      with decided as (
        select e.workflow_id, extract(epoch from (a.decided_at - a.created_at)) as s
          from approval_requests a join workflow_executions e on e.id = a.execution_id
         where a.status in ('approved', 'rejected') and a.decided_at > ${nowIso}::timestamptz - make_interval(days => ${DECISION_WINDOW_DAYS})
      ), followed as (
        select e.workflow_id, count(*) filter (where a.reminders_sent > 0)::int as reminded, count(*) filter (where a.escalated_at is not null)::int as escalated
          from (select execution_id, reminders_sent, escalated_at from approval_requests where status = 'pending'
                union all
                select execution_id, reminders_sent, escalated_at from approval_requests
                 where status in ('approved', 'rejected') and decided_at > ${nowIso}::timestamptz - make_interval(days => ${DECISION_WINDOW_DAYS})) a
          join workflow_executions e on e.id = a.execution_id
         where a.reminders_sent > 0 or a.escalated_at is not null
         group by 1
      ), stats as (
        select workflow_id, count(*)::int as decided,
               percentile_cont(0.5) within group (order by s) as p50, percentile_cont(0.9) within group (order by s) as p90
          from decided group by 1
      )
      select w.id as workflow_id, w.key, w.name, coalesce(st.decided, 0) as decided, st.p50, st.p90,
             coalesce(f.reminded, 0) as reminded, coalesce(f.escalated, 0) as escalated
        from (select workflow_id from stats union select workflow_id from followed) ids
        join workflows w on w.id = ids.workflow_id
        left join stats st on st.workflow_id = ids.workflow_id
        left join followed f on f.workflow_id = ids.workflow_id
       order by coalesce(st.decided, 0) desc, w.name
       limit 50`),
    workflowBreakdown(db, nowIso),
    expiringSoon(db, nowIso),
    db.execute(sql`
      select percentile_cont(0.5) within group (order by extract(epoch from (a.decided_at - a.created_at))) as median_s
        from approval_requests a
       where a.id in (select approval_id from approval_decisions
                       where created_at > ${nowIso}::timestamptz - interval '24 hours' and created_at <= ${nowIso}::timestamptz)
         and a.status in ('approved', 'rejected') and a.decided_at > ${nowIso}::timestamptz - interval '24 hours'`),
  ]);

  const byStatus = Object.fromEntries(EXECUTION_STATUSES.map((s) => [s, 0])) as Record<ExecutionStatus, number>;
  let total = 0;
  for (const r of rowsOf<{ status: string; n: number }>(statusRes)) {
    if (r.status in byStatus) byStatus[r.status as ExecutionStatus] = num(r.n);
    total += num(r.n);
  }

  const p = rowsOf<Record<string, unknown>>(pausedRes)[0] ?? {};
  const oldestAge = p.oldest_age === null || p.oldest_age === undefined ? null : Math.max(0, Math.floor(num(p.oldest_age)));

  // Hour 0 is the current (partial) hour; the list runs oldest first, ending with it.
  const hours = Array.from({ length: HOURS }, (_, i) => {
    const hoursAgo = HOURS - 1 - i;
    return { hours_ago: hoursAgo, hour_start: new Date(now.getTime() - (hoursAgo + 1) * 3_600_000).toISOString(), approve: 0, reject: 0 };
  });
  for (const r of rowsOf<{ hours_ago: number; decision: string; n: number }>(decisionsRes)) {
    const slot = hours[HOURS - 1 - num(r.hours_ago)];
    if (!slot) continue;
    if (r.decision === 'approve') slot.approve += num(r.n);
    else if (r.decision === 'reject') slot.reject += num(r.n);
  }

  const pending = rowsOf<{ pending: number; oldest: Date | string | null }>(pendingRes)[0];

  const workers = rowsOf<{
    worker_id: string;
    hostname: string;
    pid: number;
    started_at: Date | string;
    last_cycle_at: Date | string | null;
    last_cycle_ms: number | null;
    interval_ms: number;
    resumed: number;
    skipped: number;
    errors: number;
    totals: Record<string, number> | null;
  }>(workersRes).map((w) => {
    const last = w.last_cycle_at === null ? null : new Date(w.last_cycle_at);
    const sinceMs = last === null ? null : Math.max(0, now.getTime() - last.getTime());
    // A cycle is due every interval; two intervals without one means the worker is stuck or gone.
    const staleAfterMs = 2 * num(w.interval_ms);
    const startedMs = now.getTime() - new Date(w.started_at).getTime();
    const stale = sinceMs === null ? startedMs > staleAfterMs : sinceMs > staleAfterMs;
    return {
      worker_id: w.worker_id,
      hostname: w.hostname,
      pid: num(w.pid),
      started_at: iso(w.started_at)!,
      last_cycle_at: iso(last),
      seconds_since_last_cycle: sinceMs === null ? null : Math.floor(sinceMs / 1000),
      last_cycle_ms: w.last_cycle_ms === null ? null : num(w.last_cycle_ms),
      interval_ms: num(w.interval_ms),
      resumed: num(w.resumed),
      skipped: num(w.skipped),
      errors: num(w.errors),
      totals: w.totals,
      stale,
    };
  });

  const failures = await recentFailures(db, nowIso, workers);
  const median = rowsOf<{ median_s: number | string | null }>(medianRes)[0]?.median_s;

  return {
    generated_at: nowIso,
    executions: { total, by_status: byStatus },
    paused: {
      count: num(p.paused),
      oldest_age_seconds: oldestAge,
      over_24h: num(p.over_24h),
      oldest_execution_id: (p.oldest_id as string | null | undefined) ?? null,
      age_histogram: PAUSED_AGE_BUCKETS.map(([label, lower], i) => ({
        label,
        min_seconds: lower,
        max_seconds: PAUSED_AGE_BUCKETS[i + 1]?.[1] ?? null,
        count: num(p[`b${i}`]),
      })),
    },
    approvals: {
      pending: num(pending?.pending),
      oldest_pending_at: pending?.oldest ? iso(pending.oldest) : null,
      decisions_last_24h: {
        approve: hours.reduce((s, h) => s + h.approve, 0),
        reject: hours.reduce((s, h) => s + h.reject, 0),
        per_hour: hours,
      },
      /** From request to final decision, over the requests people decided in the last 24 h. */
      median_decision_seconds_24h: median === null || median === undefined ? null : Math.round(num(median)),
    },
    decision_time: {
      window_days: DECISION_WINDOW_DAYS,
      workflows: rowsOf<{ workflow_id: string; key: string; name: string; decided: number; p50: number | null; p90: number | null; reminded: number; escalated: number }>(decisionTimeRes).map((r) => ({
        workflow_id: r.workflow_id,
        workflow_key: r.key,
        workflow_name: r.name,
        decided: num(r.decided),
        p50_seconds: r.p50 === null ? null : Math.round(num(r.p50)),
        p90_seconds: r.p90 === null ? null : Math.round(num(r.p90)),
        reminded: num(r.reminded),
        escalated: num(r.escalated),
      })),
    },
    by_workflow: byWorkflow,
    expiring_soon: expiring,
    failures,
    workers: {
      // ok: at least one worker cycled recently; stale: all known workers are late; none: no worker seen in a day.
      status: workers.length === 0 ? 'none' : workers.some((w) => !w.stale) ? 'ok' : 'stale',
      list: workers,
    },
  } satisfies OpsSummary;
}
