import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../db/client';
import { EXECUTION_STATUSES, type ExecutionStatus } from '../engine/state-machine';
import { expiringSoon, recentFailures, workflowBreakdown } from './ops-drilldown';

/** GET /api/v1/ops/summary takes no query parameters; unknown ones are refused so typos show. */
export const ZOpsSummaryQuery = z.strictObject({});

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

  const [statusRes, pausedRes, decisionsRes, pendingRes, workersRes, byWorkflow, expiring, medianRes] = await Promise.all([
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
    by_workflow: byWorkflow,
    expiring_soon: expiring,
    failures,
    workers: {
      // ok: at least one worker cycled recently; stale: all known workers are late; none: no worker seen in a day.
      status: workers.length === 0 ? 'none' : workers.some((w) => !w.stale) ? 'ok' : 'stale',
      list: workers,
    },
  };
}

export type OpsSummary = Awaited<ReturnType<typeof getOpsSummary>>;
