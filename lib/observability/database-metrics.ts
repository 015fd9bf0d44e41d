import type pg from 'pg';
import { APPROVAL_STATUSES, DECISIONS, EXECUTION_STATUSES, PAUSE_KINDS } from '../core/engine/state-machine';
import { UUID_PATTERN } from '../core/ids';
import { histogramSamples, type MetricFamily, type Sample } from './exposition';

/**
 * Metric families read from the database at scrape time. They are global: every web process
 * reports the same numbers however many web processes and workers run, so they survive restarts
 * and need no aggregation across instances.
 *
 * Gauges (executions by status, the paused backlog, approvals by status, worker heartbeats) are
 * read fresh on each scrape from indexed or small tables.
 *
 * Counters and the decision → resumed histogram are sums over append-only rows (execution_events,
 * approval_decisions). Re-summing all history on every scrape would grow without bound, so each
 * process keeps a running sum of the rows older than SEAL_LAG (the "sealed" part, read once, a
 * slice at a time) and re-reads only the recent rows on each scrape, on the (type, created_at) and
 * (created_at) indexes. The lag covers transactions still in flight and clock skew between hosts;
 * a row written with a timestamp older than the lag after the process sealed that time is missed
 * by that process until it restarts.
 */
export const SEAL_LAG_MS = 5 * 60_000;

/** Decision → resumed latency buckets, seconds: the NOTIFY path is sub-second, the sweep one interval. */
export const DECISION_LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

const RESUME_SOURCES = ['api', 'worker'] as const;
const RESUME_OUTCOMES = ['approved', 'rejected', 'timeout', 'data'] as const;
const ON_TIMEOUT = ['reject', 'approve', 'fail', 'none'] as const;

/** Workers not heard from in this long are left out (dead processes' rows stay in the table). */
const WORKER_FORGET_AFTER_S = 24 * 3600;

type Queryable = Pick<pg.ClientBase, 'query'>;
type Sums = Map<string, number>;

const UUID_RE = `^${UUID_PATTERN}$`;

/** The additive sums over the rows created in (from, to]. */
async function sumWindow(db: Queryable, from: string, to: string): Promise<Sums> {
  const sums: Sums = new Map();
  const add = (k: string, v: unknown) => sums.set(k, (sums.get(k) ?? 0) + Number(v ?? 0));

  const events = await db.query<{ type: string; a: string | null; b: string | null; n: string }>(
    `select type,
            case type when 'paused' then coalesce(data->>'kind', 'unknown')
                      when 'resumed' then coalesce(data->>'source', 'unknown')
                      when 'expired' then coalesce(data->>'on_timeout', 'none') end as a,
            case when type = 'resumed' then
              case when data->'resume_data'->>'timed_out' = 'true' then 'timeout'
                   when data->'resume_data'->>'approved' = 'true' then 'approved'
                   when data->'resume_data'->>'approved' = 'false' then 'rejected'
                   else 'data' end end as b,
            count(*) as n
       from execution_events
      where created_at > $1::timestamptz and created_at <= $2::timestamptz
      group by 1, 2, 3`,
    [from, to],
  );
  for (const r of events.rows) {
    add(`event|${r.type}`, r.n);
    if (r.type === 'paused') add(`pause|${r.a}`, r.n);
    else if (r.type === 'resumed') add(`resume|${r.a}|${r.b}`, r.n);
    else if (r.type === 'expired') add(`expire|${r.a}`, r.n);
  }

  const decisions = await db.query<{ decision: string; n: string }>(
    `select decision, count(*) as n from approval_decisions
      where created_at > $1::timestamptz and created_at <= $2::timestamptz group by 1`,
    [from, to],
  );
  for (const r of decisions.rows) add(`decision|${r.decision}`, r.n);

  // Decision → resumed: the final decision's time on the approval request, to the worker's
  // 'resumed' event for it (the resume data names the approval). Timeouts are not decisions.
  const bucketCols = DECISION_LATENCY_BUCKETS.map((b, i) => `count(*) filter (where s <= ${b}) as b${i}`).join(', ');
  const latency = await db.query<Record<string, string>>(
    `select count(*) as n, coalesce(sum(s), 0) as total, ${bucketCols}
       from (select greatest(0, extract(epoch from (e.created_at - a.decided_at)))::float8 as s
               from execution_events e
               join approval_requests a
                 on a.id = case when e.data->'resume_data'->>'approval_id' ~ '${UUID_RE}'
                                then (e.data->'resume_data'->>'approval_id')::uuid end
              where e.type = 'resumed' and e.created_at > $1::timestamptz and e.created_at <= $2::timestamptz
                and e.data->>'source' = 'worker'
                and a.status in ('approved', 'rejected') and a.decided_at is not null) x`,
    [from, to],
  );
  const l = latency.rows[0] ?? {};
  add('latency|count', l.n);
  add('latency|sum', l.total);
  DECISION_LATENCY_BUCKETS.forEach((_, i) => add(`latency|b${i}`, l[`b${i}`]));
  return sums;
}

type SealState = { sealedUntil: string | null; sealed: Sums; chain: Promise<unknown> };
const g = globalThis as unknown as { __wrMetricSeal?: SealState };
const seal = (): SealState => (g.__wrMetricSeal ??= { sealedUntil: null, sealed: new Map(), chain: Promise.resolve() });

function addInto(target: Sums, delta: Sums) {
  for (const [k, v] of delta) target.set(k, (target.get(k) ?? 0) + v);
}

/** All-time sums: the sealed running total, advanced to now − SEAL_LAG, plus the recent rows. */
async function allTimeSums(db: Queryable, dbNow: Date): Promise<Sums> {
  const s = seal();
  const newSeal = new Date(dbNow.getTime() - SEAL_LAG_MS).toISOString();
  if (s.sealedUntil === null || newSeal > s.sealedUntil) {
    const delta = await sumWindow(db, s.sealedUntil ?? '-infinity', newSeal);
    addInto(s.sealed, delta);
    s.sealedUntil = newSeal;
  }
  const tail = await sumWindow(db, s.sealedUntil, 'infinity');
  const total: Sums = new Map(s.sealed);
  addInto(total, tail);
  return total;
}

const num = (v: unknown) => Number(v ?? 0);

/** Reads every database-derived family. Scrapes in one process run one at a time. */
export function collectDatabaseMetrics(pool: pg.Pool): Promise<MetricFamily[]> {
  const s = seal();
  const run = s.chain.then(() => collect(pool));
  s.chain = run.catch(() => undefined);
  return run;
}

async function collect(pool: pg.Pool): Promise<MetricFamily[]> {
  const client = await pool.connect();
  try {
    const nowRow = await client.query<{ now: Date }>('select now() as now');
    const dbNow = nowRow.rows[0]!.now;

    const byStatus = await client.query<{ status: string; n: string }>('select status, count(*) as n from workflow_executions group by status');
    const paused = await client.query<{ kind: string; n: string; oldest_s: string | null }>(
      `select coalesce(pause_kind, 'unknown') as kind, count(*) as n, max(extract(epoch from (now() - paused_at))) as oldest_s
         from workflow_executions where status = 'paused' group by 1`,
    );
    const decided = await client.query<{ n: string; oldest_s: string | null }>(
      `select count(*) as n, max(extract(epoch from (now() - decided_at))) as oldest_s
         from workflow_executions where status = 'paused' and decided_at is not null`,
    );
    const approvals = await client.query<{ status: string; n: string }>('select status, count(*) as n from approval_requests group by status');
    const workers = await client.query<{
      worker_id: string;
      hostname: string;
      age_s: string;
      interval_ms: number;
      last_cycle_ms: number | null;
      resumed: number;
      skipped: number;
      errors: number;
    }>(
      `select worker_id, hostname, extract(epoch from (now() - coalesce(last_cycle_at, started_at))) as age_s,
              interval_ms, last_cycle_ms, resumed, skipped, errors
         from worker_heartbeats
        where coalesce(last_cycle_at, started_at) > now() - make_interval(secs => $1)
        order by worker_id`,
      [WORKER_FORGET_AFTER_S],
    );
    const sums = await allTimeSums(client, dbNow);
    return buildFamilies({ byStatus: byStatus.rows, paused: paused.rows, decided: decided.rows[0], approvals: approvals.rows, workers: workers.rows, sums });
  } finally {
    client.release();
  }
}

function buildFamilies(d: {
  byStatus: { status: string; n: string }[];
  paused: { kind: string; n: string; oldest_s: string | null }[];
  decided: { n: string; oldest_s: string | null } | undefined;
  approvals: { status: string; n: string }[];
  workers: { worker_id: string; hostname: string; age_s: string; interval_ms: number; last_cycle_ms: number | null; resumed: number; skipped: number; errors: number }[];
  sums: Sums;
}): MetricFamily[] {
  const sum = (k: string) => d.sums.get(k) ?? 0;
  const statusCounts = new Map<string, number>(EXECUTION_STATUSES.map((s) => [s, 0]));
  for (const r of d.byStatus) statusCounts.set(r.status, num(r.n));
  const pausedByKind = new Map<string, number>(PAUSE_KINDS.map((k) => [k, 0]));
  let oldestPause = 0;
  for (const r of d.paused) {
    pausedByKind.set(r.kind, num(r.n));
    oldestPause = Math.max(oldestPause, num(r.oldest_s));
  }
  const approvalCounts = new Map<string, number>(APPROVAL_STATUSES.map((s) => [s, 0]));
  for (const r of d.approvals) approvalCounts.set(r.status, num(r.n));

  const keysWith = (prefix: string) => [...d.sums.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  const union = (known: readonly string[], seen: string[]) => [...new Set([...known, ...seen])];

  const resumeSamples: Sample[] = [];
  const resumeKeys = new Set([...RESUME_SOURCES.flatMap((s) => RESUME_OUTCOMES.map((o) => `${s}|${o}`)), ...keysWith('resume|')]);
  for (const k of resumeKeys) {
    const [source = 'unknown', outcome = 'data'] = k.split('|');
    resumeSamples.push({ labels: { source, outcome }, value: sum(`resume|${k}`) });
  }

  const liveWorkers = d.workers.filter((w) => num(w.age_s) * 1000 <= 2 * w.interval_ms + 5_000).length;
  const workerLabels = (w: { worker_id: string; hostname: string }) => ({ worker_id: w.worker_id, hostname: w.hostname });

  return [
    {
      name: 'workflow_resumer_database_up',
      help: 'Whether the database answered this scrape (the families below are read from it)',
      type: 'gauge',
      samples: [{ value: 1 }],
    },
    {
      name: 'workflow_resumer_executions',
      help: 'Executions by status (all processes)',
      type: 'gauge',
      samples: [...statusCounts].map(([status, value]) => ({ labels: { status }, value })),
    },
    {
      name: 'workflow_resumer_paused_executions',
      help: 'Paused executions by what they wait for: manual, approval or callback',
      type: 'gauge',
      samples: [...pausedByKind].map(([kind, value]) => ({ labels: { kind }, value })),
    },
    {
      name: 'workflow_resumer_oldest_pause_age_seconds',
      help: 'Age of the oldest paused execution (0 when none is paused)',
      type: 'gauge',
      samples: [{ value: Math.floor(oldestPause) }],
    },
    {
      name: 'workflow_resumer_decided_awaiting_resume',
      help: 'Paused executions whose approval is decided but that no worker has resumed yet',
      type: 'gauge',
      samples: [{ value: num(d.decided?.n) }],
    },
    {
      name: 'workflow_resumer_oldest_decision_awaiting_resume_seconds',
      help: 'How long the oldest decided-but-not-resumed execution has waited for a worker (0 when none)',
      type: 'gauge',
      samples: [{ value: Math.floor(num(d.decided?.oldest_s)) }],
    },
    {
      name: 'workflow_resumer_approval_requests',
      help: 'Approval requests by status',
      type: 'gauge',
      samples: [...approvalCounts].map(([status, value]) => ({ labels: { status }, value })),
    },
    {
      name: 'workflow_resumer_pauses_total',
      help: 'Pauses, by kind (paused events)',
      type: 'counter',
      samples: union(PAUSE_KINDS, keysWith('pause|')).map((kind) => ({ labels: { kind }, value: sum(`pause|${kind}`) })),
    },
    {
      name: 'workflow_resumer_resumes_total',
      help: 'Resumes, by source (api: the resume route; worker: a decision or a timeout) and outcome (approved, rejected, timeout, data)',
      type: 'counter',
      samples: resumeSamples,
    },
    {
      name: 'workflow_resumer_pause_expirations_total',
      help: 'Pauses ended by their timeout, by the approval step on_timeout (none: not an approval)',
      type: 'counter',
      samples: union(ON_TIMEOUT, keysWith('expire|')).map((on_timeout) => ({ labels: { on_timeout }, value: sum(`expire|${on_timeout}`) })),
    },
    {
      name: 'workflow_resumer_approval_decisions_total',
      help: 'Approval decisions recorded, by decision',
      type: 'counter',
      samples: union(DECISIONS, keysWith('decision|')).map((decision) => ({ labels: { decision }, value: sum(`decision|${decision}`) })),
    },
    {
      name: 'workflow_resumer_execution_events_total',
      help: 'Execution timeline events, by type',
      type: 'counter',
      samples: keysWith('event|')
        .sort()
        .map((type) => ({ labels: { type }, value: sum(`event|${type}`) })),
    },
    {
      name: 'workflow_resumer_decision_to_resume_seconds',
      help: 'From an approval becoming final (approved or rejected) to a worker resuming its execution',
      type: 'histogram',
      samples: histogramSamples(
        DECISION_LATENCY_BUCKETS,
        DECISION_LATENCY_BUCKETS.map((_, i) => sum(`latency|b${i}`)),
        Math.round(sum('latency|sum') * 1e6) / 1e6,
        sum('latency|count'),
      ),
    },
    {
      name: 'workflow_resumer_workers',
      help: 'Workers seen in the last day, by state (live: a heartbeat within two intervals)',
      type: 'gauge',
      samples: [
        { labels: { state: 'live' }, value: liveWorkers },
        { labels: { state: 'stale' }, value: d.workers.length - liveWorkers },
      ],
    },
    {
      name: 'workflow_resumer_worker_heartbeat_age_seconds',
      help: 'Seconds since each worker last finished a cycle (or started), from worker_heartbeats',
      type: 'gauge',
      samples: d.workers.map((w) => ({ labels: workerLabels(w), value: Math.round(num(w.age_s) * 1000) / 1000 })),
    },
    {
      name: 'workflow_resumer_worker_interval_seconds',
      help: 'Each worker’s sweep interval',
      type: 'gauge',
      samples: d.workers.map((w) => ({ labels: workerLabels(w), value: w.interval_ms / 1000 })),
    },
    {
      name: 'workflow_resumer_worker_last_cycle_duration_seconds',
      help: 'Duration of each worker’s last sweep cycle, from worker_heartbeats',
      type: 'gauge',
      samples: d.workers.filter((w) => w.last_cycle_ms !== null).map((w) => ({ labels: workerLabels(w), value: num(w.last_cycle_ms) / 1000 })),
    },
    {
      name: 'workflow_resumer_worker_last_cycle_items',
      help: 'What each worker’s last sweep cycle did: resumed, skipped, errors',
      type: 'gauge',
      samples: d.workers.flatMap((w) =>
        (['resumed', 'skipped', 'errors'] as const).map((outcome) => ({ labels: { ...workerLabels(w), outcome }, value: num(w[outcome]) })),
      ),
    },
  ];
}

/** What a scrape reports when the database does not answer: the process metrics still go out. */
export function databaseDownFamilies(): MetricFamily[] {
  return [
    {
      name: 'workflow_resumer_database_up',
      help: 'Whether the database answered this scrape (the families below are read from it)',
      type: 'gauge',
      samples: [{ value: 0 }],
    },
  ];
}
