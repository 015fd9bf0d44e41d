import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../db/client';
import { ZTimestamp } from '../dto';
import { EXECUTION_STATUSES, type ExecutionStatus } from '../engine/state-machine';

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
  }),
  workers: z.strictObject({ status: z.enum(['ok', 'stale', 'none']), list: z.array(ZWorker) }),
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

  const [statusRes, pausedRes, decisionsRes, pendingRes, workersRes] = await Promise.all([
    db.execute(sql`select status, count(*)::int as n from workflow_executions group by status`),
    db.execute(sql`
      with p as (
        select extract(epoch from (${nowIso}::timestamptz - paused_at)) as age
        from workflow_executions where status = 'paused' and paused_at is not null
      )
      select count(*)::int as paused,
             max(age) as oldest_age,
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

  return {
    generated_at: nowIso,
    executions: { total, by_status: byStatus },
    paused: {
      count: num(p.paused),
      oldest_age_seconds: oldestAge,
      over_24h: num(p.over_24h),
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
    },
    workers: {
      // ok: at least one worker cycled recently; stale: all known workers are late; none: no worker seen in a day.
      status: workers.length === 0 ? 'none' : workers.some((w) => !w.stale) ? 'ok' : 'stale',
      list: workers,
    },
  } satisfies OpsSummary;
}
