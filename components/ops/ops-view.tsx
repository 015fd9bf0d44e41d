'use client';
import { can } from '@/lib/client/access';
import { formatAge, formatDateTime, formatHour, formatMs, plural } from '@/lib/client/format';
import { useMe, useOpsSummary } from '@/lib/client/hooks';
import type { OpsSummary } from '@/lib/client/types';
import Link from 'next/link';
import { LiveBadge, TimeAgo } from '../live-age';
import { cx, ErrorState, errorMessage, focusRing, HeaderRow, LoadingRows, NoAccess, PageHeader, Panel, StatusBadge } from '../ui';
import { ExpiringSoon, RecentFailures, StatLink, WorkflowBreakdown } from './ops-panels';

const STATUS_ORDER = ['running', 'paused', 'completed', 'failed', 'rejected', 'cancelled', 'expired'] as const;
const STATUS_BAR: Record<string, string> = {
  running: 'bg-sky-500',
  paused: 'bg-amber-500',
  completed: 'bg-emerald-500',
  failed: 'bg-rose-500',
  rejected: 'bg-rose-400',
  cancelled: 'bg-slate-400',
  expired: 'bg-slate-500',
};

/** Vertical bars with an accessible table of the same numbers. */
function BarChart({
  label,
  bars,
  height = 'h-40',
  axis,
}: {
  label: string;
  bars: { key: string; label: string; shortLabel?: string; segments: { value: number; className: string; name: string }[] }[];
  height?: string;
  /** Labels spread evenly under the chart instead of one per bar (for many narrow bars). */
  axis?: string[];
}) {
  const max = Math.max(1, ...bars.map((b) => b.segments.reduce((s, x) => s + x.value, 0)));
  const names = bars[0]?.segments.map((s) => s.name) ?? [];
  return (
    <figure>
      <div className={cx('flex items-end gap-1', height)} aria-hidden="true">
        {bars.map((b) => {
          const total = b.segments.reduce((s, x) => s + x.value, 0);
          return (
            <div key={b.key} className="group relative flex h-full min-w-0 flex-1 flex-col justify-end" title={`${b.label}: ${b.segments.map((s) => `${s.value} ${s.name}`).join(', ')}`}>
              {total > 0 ? <span className="mb-0.5 text-center text-[10px] text-slate-500 tabular-nums dark:text-slate-400">{total}</span> : null}
              <div className="flex flex-col-reverse overflow-hidden rounded-t-sm" style={{ height: `${(total / max) * 100}%`, minHeight: total > 0 ? 2 : 0 }}>
                {b.segments.map((s) => (s.value > 0 ? <div key={s.name} className={s.className} style={{ flexGrow: s.value }} /> : null))}
              </div>
              <div className="h-px bg-slate-300 dark:bg-slate-700" />
            </div>
          );
        })}
      </div>
      {axis ? (
        <div className="mt-1 flex justify-between text-[10px] text-slate-500 dark:text-slate-400" aria-hidden="true">
          {axis.map((a) => (
            <span key={a}>{a}</span>
          ))}
        </div>
      ) : (
        <div className="mt-1 flex gap-1" aria-hidden="true">
          {bars.map((b) => (
            <span key={b.key} className="min-w-0 flex-1 truncate text-center text-[10px] text-slate-500 dark:text-slate-400">
              {b.shortLabel ?? b.label}
            </span>
          ))}
        </div>
      )}
      {/* Tables ignore width on themselves, so the visually hidden wrapper is a div. */}
      <div className="sr-only">
      <table>
        <caption>{label}</caption>
        <thead>
          <tr>
            <th scope="col">Bucket</th>
            {names.map((n) => (
              <th key={n} scope="col">
                {n}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {bars.map((b) => (
            <tr key={b.key}>
              <th scope="row">{b.label}</th>
              {b.segments.map((s) => (
                <td key={s.name}>{s.value}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      </div>
    </figure>
  );
}

type Worker = OpsSummary['workers']['list'][number];

function WorkerTable({ workers }: { workers: Worker[] }) {
  return (
    <div className="-mx-4 overflow-x-auto sm:mx-0">
      <table className="w-full min-w-[34rem] text-left text-sm">
        <thead className="text-xs text-slate-500 dark:text-slate-400">
          <HeaderRow base="py-1.5 font-medium" columns={[['Worker', 'px-4 sm:pl-0'], ['Last cycle', 'px-2'], ['Resumed', 'px-2 text-right'], ['Skipped', 'px-2 text-right'], ['Errors', 'px-2 text-right'], ['Interval', 'px-2 text-right']]} />
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
          {workers.map((w) => (
            <tr key={w.worker_id} className={w.stale ? 'text-slate-600 dark:text-slate-400' : ''}>
              <td className="max-w-56 px-4 py-2 sm:pl-0">
                <div className="flex items-center gap-2">
                  <span aria-hidden="true" className={cx('h-2 w-2 shrink-0 rounded-full', w.stale ? 'bg-rose-500' : 'bg-emerald-500')} />
                  <span className="truncate font-mono text-xs" title={w.worker_id}>
                    {w.hostname}:{w.pid}
                  </span>
                  <span className="sr-only">{w.stale ? '(late)' : '(healthy)'}</span>
                </div>
              </td>
              <td className="px-2 py-2 whitespace-nowrap">
                <TimeAgo iso={w.last_cycle_at} />
                {w.last_cycle_ms !== null ? <span className="text-xs text-slate-600 dark:text-slate-400"> · took {formatMs(w.last_cycle_ms)}</span> : null}
              </td>
              <td className="px-2 py-2 text-right tabular-nums">{w.resumed}</td>
              <td className="px-2 py-2 text-right tabular-nums">{w.skipped}</td>
              <td className={cx('px-2 py-2 text-right tabular-nums', w.errors > 0 && 'font-semibold text-rose-700 dark:text-rose-300')}>{w.errors}</td>
              <td className="px-2 py-2 text-right whitespace-nowrap tabular-nums">{formatMs(w.interval_ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function WorkerPanel({ workers }: { workers: OpsSummary['workers'] }) {
  const latest = workers.list[0];
  // Healthy workers, or — when none is — the latest one (the one that is late). Older rows are
  // processes that stopped or restarted: kept out of the way.
  const healthy = workers.list.filter((w) => !w.stale);
  const current = healthy.length ? healthy : latest ? [latest] : [];
  const earlier = workers.list.filter((w) => !current.includes(w));
  return (
    <Panel title="Worker heartbeat" id="worker-title" aside={latest ? <span className="text-xs text-slate-600 dark:text-slate-400">{workers.list.length} seen in the last day</span> : null}>
      {workers.status === 'none' ? (
        <div role="alert" className="rounded-md bg-rose-50 px-3 py-3 text-sm text-rose-900 dark:bg-rose-950/40 dark:text-rose-100" data-testid="worker-warning">
          <strong>No worker has reported in the last day.</strong> Decided approvals and due wake-ups are not being processed. Start one with{' '}
          <code className="font-mono">npm run worker</code>.
        </div>
      ) : workers.status === 'stale' && latest ? (
        <div role="alert" className="mb-3 rounded-md bg-rose-50 px-3 py-3 text-sm text-rose-900 dark:bg-rose-950/40 dark:text-rose-100" data-testid="worker-warning">
          <strong>The worker is late.</strong> Its last cycle was {latest.seconds_since_last_cycle === null ? 'never' : `${formatAge(latest.seconds_since_last_cycle)} ago`}, more
          than two intervals ({formatMs(latest.interval_ms * 2)}). It may be stuck or stopped.
        </div>
      ) : (
        <p className="mb-3 flex items-center gap-2 text-sm text-emerald-800 dark:text-emerald-300" role="status" data-testid="worker-ok">
          <span aria-hidden="true" className="h-2.5 w-2.5 rounded-full bg-emerald-500" /> Worker healthy
        </p>
      )}
      {current.length ? <WorkerTable workers={current} /> : null}
      {earlier.length ? (
        <details className="mt-3 text-sm">
          <summary className="cursor-pointer text-slate-600 dark:text-slate-400">
            {earlier.length} earlier worker process{earlier.length === 1 ? '' : 'es'} (stopped or restarted)
          </summary>
          <div className="mt-2">
            <WorkerTable workers={earlier} />
          </div>
        </details>
      ) : null}
    </Panel>
  );
}

function seconds(v: number | null): string {
  if (v === null) return '–';
  if (v < 120) return `${v} s`;
  if (v < 7200) return `${Math.round(v / 60)} min`;
  if (v < 172_800) return `${(v / 3600).toFixed(1)} h`;
  return `${(v / 86_400).toFixed(1)} d`;
}

/** Time to decision per workflow: p50/p90 from request to final decision, and how many needed a nudge. */
function DecisionTimePanel({ figures }: { figures: OpsSummary['decision_time'] }) {
  return (
    <Panel title={`Time to decision, last ${figures.window_days} days`} id="decision-time-title">
      {figures.workflows.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">No approval requests decided or followed up in this window.</p>
      ) : (
        <table className="w-full text-left text-sm" data-testid="decision-time">
          <thead className="text-xs text-slate-600 dark:text-slate-400">
            <tr>
              <th scope="col" className="py-1 pr-3 font-medium">Workflow</th>
              <th scope="col" className="py-1 pr-3 text-right font-medium">Decided</th>
              <th scope="col" className="py-1 pr-3 text-right font-medium">p50</th>
              <th scope="col" className="py-1 pr-3 text-right font-medium">p90</th>
              <th scope="col" className="py-1 pr-3 text-right font-medium">Reminded</th>
              <th className="py-1 text-right font-medium">Escalated</th>
            </tr>
          </thead>
          <tbody>
            {figures.workflows.map((w) => (
              <tr key={w.workflow_id} className="border-t border-slate-100 dark:border-slate-800">
                <td className="py-1 pr-3">{w.workflow_name}</td>
                <td className="py-1 pr-3 text-right tabular-nums">{w.decided}</td>
                <td className="py-1 pr-3 text-right tabular-nums">{seconds(w.p50_seconds)}</td>
                <td className="py-1 pr-3 text-right tabular-nums">{seconds(w.p90_seconds)}</td>
                <td className="py-1 pr-3 text-right tabular-nums">{w.reminded}</td>
                <td className="py-1 text-right tabular-nums">{w.escalated}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

export function OpsView() {
  const me = useMe().data;
  const allowed = can(me, 'execution:read');
  const q = useOpsSummary({ enabled: allowed });
  if (me && !allowed) return <NoAccess permission="execution:read" />;
  if (q.isPending) return <LoadingRows rows={4} label="Loading the ops summary…" />;
  if (q.isError && !q.data) return <ErrorState error={q.error} title="Could not load the ops summary" onRetry={() => void q.refetch()} />;
  const s = q.data!;
  const total = Math.max(1, s.executions.total);
  const d = s.approvals.decisions_last_24h;
  return (
    <div className="space-y-5">
      <PageHeader
        title="Operations"
        description="The state of every execution, the paused backlog, decisions and the worker. Every number opens the list behind it."
        actions={
          <span className="flex items-center gap-2 text-xs text-slate-600 dark:text-slate-400">
            <LiveBadge testId="ops-live" pollSeconds={5} /> · as of {formatDateTime(s.generated_at)}
          </span>
        }
      />
      {q.isError ? (
        <p role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-900 dark:bg-rose-950/50 dark:text-rose-100">
          Live updates paused: {errorMessage(q.error)}
        </p>
      ) : null}

      <div className="grid grid-cols-2 gap-3 lg:grid-cols-3 xl:grid-cols-6">
        <StatLink
          label="Paused"
          value={s.paused.count.toLocaleString('en-US')}
          hint={`${s.approvals.pending.toLocaleString('en-US')} waiting for approval`}
          href="/executions?status=paused"
          testId="stat-paused"
        />
        <StatLink
          label="Oldest pause"
          value={formatAge(s.paused.oldest_age_seconds)}
          tone={(s.paused.oldest_age_seconds ?? 0) > 86_400 ? 'warn' : 'neutral'}
          hint={s.paused.oldest_age_seconds === null ? 'nothing paused' : 'open it'}
          href={s.paused.oldest_execution_id ? `/executions/${s.paused.oldest_execution_id}` : null}
          testId="stat-oldest"
        />
        <StatLink
          label="Paused over 24 h"
          value={s.paused.over_24h.toLocaleString('en-US')}
          tone={s.paused.over_24h > 0 ? 'warn' : 'neutral'}
          hint="in the inbox, oldest first"
          href="/?over=24h"
          testId="stat-over-24h"
        />
        <StatLink
          label="Decisions, 24 h"
          value={(d.approve + d.reject).toLocaleString('en-US')}
          hint={`${d.approve.toLocaleString('en-US')} approved · ${d.reject.toLocaleString('en-US')} rejected${s.approvals.median_decision_seconds_24h === null ? '' : ` · median ${formatAge(s.approvals.median_decision_seconds_24h)}`}`}
          href="#by-workflow"
          testId="stat-decisions"
        />
        <StatLink
          label="Expiring in 24 h"
          value={s.expiring_soon.count.toLocaleString('en-US')}
          tone={s.expiring_soon.count > 0 ? 'warn' : 'neutral'}
          hint="undecided pauses near their deadline"
          href="#expiring"
          testId="stat-expiring"
        />
        <StatLink
          label="Failed, 24 h"
          value={s.failures.failed_executions_24h.toLocaleString('en-US')}
          tone={s.failures.failed_executions_24h > 0 ? 'bad' : 'neutral'}
          hint={s.failures.workers_with_errors ? `${plural(s.failures.workers_with_errors, 'worker')} reporting errors` : 'executions that failed'}
          href="/executions?status=failed"
          testId="stat-failed"
        />
      </div>

      <div className="grid grid-cols-1 items-start gap-5 lg:grid-cols-2">
        <RecentFailures data={s.failures} />
        <ExpiringSoon data={s.expiring_soon} />
      </div>

      <WorkflowBreakdown rows={s.by_workflow} />

      <div className="grid grid-cols-1 items-start gap-5 lg:grid-cols-2">
        <Panel title="Executions by status" id="status-title" aside={<span className="text-xs text-slate-600 dark:text-slate-400">{s.executions.total.toLocaleString('en-US')} in all</span>}>
          <div className="mb-4 flex h-3 overflow-hidden rounded-full bg-slate-100 dark:bg-slate-800" aria-hidden="true">
            {STATUS_ORDER.map((st) => {
              const n = s.executions.by_status[st] ?? 0;
              return n ? <div key={st} className={STATUS_BAR[st]} style={{ width: `${(n / total) * 100}%` }} /> : null;
            })}
          </div>
          <dl className="grid grid-cols-2 gap-x-6 gap-y-2 sm:grid-cols-3" data-testid="status-counts">
            {STATUS_ORDER.map((st) => (
              <div key={st} className="flex items-center justify-between gap-2">
                <dt>
                  <Link href={`/executions?status=${st}`} className={cx('rounded-full', focusRing)} aria-label={`${st}: list them`}>
                    <StatusBadge status={st} />
                  </Link>
                </dt>
                <dd className="font-semibold tabular-nums">
                  <Link href={`/executions?status=${st}`} className={cx('rounded-sm hover:underline', focusRing)} data-status={st}>
                    {(s.executions.by_status[st] ?? 0).toLocaleString('en-US')}
                  </Link>
                </dd>
              </div>
            ))}
          </dl>
        </Panel>

        <WorkerPanel workers={s.workers} />

        <Panel
          title="How long paused executions have waited"
          id="ages-title"
          aside={
            <span className="flex items-center gap-1 text-xs text-slate-600 dark:text-slate-400">
              <span aria-hidden="true" className="h-2 w-2 rounded-sm bg-amber-500" /> over 24 h
            </span>
          }
        >
          <BarChart
            label="Paused executions by age"
            bars={s.paused.age_histogram.map((b) => ({
              key: b.label,
              label: b.label,
              segments: [{ name: 'paused', value: b.count, className: b.min_seconds >= 86_400 ? 'bg-amber-500' : 'bg-indigo-500' }],
            }))}
          />
        </Panel>

        <Panel
          title="Decisions per hour, last 24 h"
          id="decisions-title"
          aside={
            <span className="flex gap-3 text-xs text-slate-600 dark:text-slate-400">
              <span className="flex items-center gap-1">
                <span aria-hidden="true" className="h-2 w-2 rounded-sm bg-emerald-500" /> approve
              </span>
              <span className="flex items-center gap-1">
                <span aria-hidden="true" className="h-2 w-2 rounded-sm bg-rose-500" /> reject
              </span>
            </span>
          }
        >
          <BarChart
            label="Approval decisions per hour over the last 24 hours"
            axis={['24 h ago', '18 h', '12 h', '6 h', 'now']}
            bars={d.per_hour.map((h) => ({
              key: h.hour_start,
              label: `${formatHour(h.hour_start)}–${formatHour(new Date(new Date(h.hour_start).getTime() + 3_600_000).toISOString())}`,
              segments: [
                { name: 'approve', value: h.approve, className: 'bg-emerald-500' },
                { name: 'reject', value: h.reject, className: 'bg-rose-500' },
              ],
            }))}
          />
        </Panel>
      </div>
      <div className="mt-4">
        <DecisionTimePanel figures={s.decision_time} />
      </div>
    </div>
  );
}
