'use client';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { formatAge, formatDateTime, formatZoned, plural, secondsSince } from '@/lib/client/format';
import { useNow } from '@/lib/client/clock';
import type { OpsSummary } from '@/lib/client/types';
import { TimeAgo } from '../live-age';
import { cx, focusRing, HeaderRow, Panel } from '../ui';

const linkClass = cx('font-medium text-indigo-700 underline-offset-2 hover:underline dark:text-indigo-300', focusRing, 'rounded-sm');


/** A number tile that opens the list it counts. */
export function StatLink({
  label,
  value,
  hint,
  href,
  tone = 'neutral',
  testId,
}: {
  label: string;
  value: ReactNode;
  hint?: ReactNode;
  href: string | null;
  tone?: 'neutral' | 'warn' | 'bad';
  testId?: string;
}) {
  const box = cx(
    'block rounded-lg border p-4 shadow-sm',
    tone === 'neutral' && 'border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900',
    tone === 'warn' && 'border-amber-300 bg-amber-50 dark:border-amber-700 dark:bg-amber-950/40',
    tone === 'bad' && 'border-rose-300 bg-rose-50 dark:border-rose-700 dark:bg-rose-950/40',
    href && 'transition-colors hover:border-indigo-400 dark:hover:border-indigo-500',
    href && focusRing,
  );
  const body = (
    <>
      <span className="block text-xs font-medium tracking-wide text-slate-600 uppercase dark:text-slate-400">{label}</span>
      <span className={cx('mt-1 block text-3xl font-semibold tabular-nums', tone === 'warn' && 'text-amber-800 dark:text-amber-200', tone === 'bad' && 'text-rose-800 dark:text-rose-200')} data-testid={testId}>
        {value}
      </span>
      {hint ? <span className="mt-1 block text-xs text-slate-600 dark:text-slate-400">{hint}</span> : null}
    </>
  );
  return href ? (
    <Link href={href} className={box} data-testid={testId ? `${testId}-link` : undefined}>
      {body}
    </Link>
  ) : (
    <div className={box}>{body}</div>
  );
}

/** Per workflow: what waits, for how long, and how quickly people decide. */
export function WorkflowBreakdown({ rows }: { rows: OpsSummary['by_workflow'] }) {
  const now = useNow();
  return (
    <Panel title="By workflow" id="by-workflow" aside={<span className="text-xs text-slate-600 dark:text-slate-400">paused now · decided in the last 24 h</span>}>
      {rows.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">Nothing paused, and nothing decided in the last day.</p>
      ) : (
        <div className="-mx-4 overflow-x-auto sm:mx-0">
          <table className="w-full min-w-[36rem] text-left text-sm" data-testid="by-workflow">
            <thead className="text-xs text-slate-600 dark:text-slate-400">
              <HeaderRow base="py-1.5 font-medium" columns={[['Workflow', 'px-4 sm:pl-0'], ['Paused', 'px-2 text-right'], ['Oldest', 'px-2'], ['Decided, 24 h', 'px-2 text-right'], ['Median time to decision', 'px-2 text-right']]} />
            </thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {rows.map((w) => {
                const oldest = secondsSince(w.oldest_paused_at, now);
                return (
                  <tr key={w.workflow_id} data-workflow={w.workflow_key}>
                    <th scope="row" className="px-4 py-2 font-normal sm:pl-0">
                      <Link href={`/executions?workflow=${encodeURIComponent(w.workflow_key)}`} className={linkClass}>
                        {w.workflow_name}
                      </Link>
                    </th>
                    <td className="px-2 py-2 text-right tabular-nums">
                      {w.paused ? (
                        <Link href={`/?workflow=${encodeURIComponent(w.workflow_key)}`} className={linkClass} data-testid="wf-paused">
                          {w.paused.toLocaleString('en-US')}
                        </Link>
                      ) : (
                        <span data-testid="wf-paused">0</span>
                      )}
                    </td>
                    <td className="px-2 py-2 whitespace-nowrap">
                      {w.oldest_execution_id ? (
                        <Link href={`/executions/${w.oldest_execution_id}`} className={linkClass} title={formatZoned(w.oldest_paused_at)}>
                          {oldest === null ? '…' : formatAge(oldest)}
                        </Link>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td className="px-2 py-2 text-right whitespace-nowrap tabular-nums" data-testid="wf-decided">
                      {w.approved_24h} approved · {w.rejected_24h} rejected
                    </td>
                    <td className="px-2 py-2 text-right tabular-nums" data-testid="wf-median">
                      {w.median_decision_seconds === null ? '—' : formatAge(w.median_decision_seconds)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

/** Pauses whose deadline falls within a day, and what happens to each then. */
export function ExpiringSoon({ data }: { data: OpsSummary['expiring_soon'] }) {
  const now = useNow();
  return (
    <Panel title="Expiring within 24 h" id="expiring" aside={<span className="text-xs text-slate-600 dark:text-slate-400">{plural(data.count, 'pause')}</span>}>
      {data.items.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">No undecided pause reaches its deadline in the next 24 hours.</p>
      ) : (
        <ul className="space-y-3" data-testid="expiring-list">
          {data.items.map((x) => {
            const left = now ? Math.floor((new Date(x.pause_expires_at).getTime() - now) / 1000) : null;
            return (
              <li key={x.execution_id} className="text-sm" data-execution-id={x.execution_id}>
                <div className="flex flex-wrap items-baseline justify-between gap-x-3">
                  <Link href={`/executions/${x.execution_id}`} className={linkClass}>
                    {x.workflow_name} <span className="font-mono text-xs">{x.execution_id.slice(0, 8)}</span>
                  </Link>
                  <time dateTime={x.pause_expires_at} title={formatZoned(x.pause_expires_at)} className={cx('text-xs font-semibold tabular-nums', left !== null && left < 3600 ? 'text-rose-700 dark:text-rose-300' : 'text-amber-800 dark:text-amber-200')}>
                    {left === null ? formatDateTime(x.pause_expires_at) : left <= 0 ? 'deadline passed' : `in ${formatAge(left)}`}
                  </time>
                </div>
                <p className="text-slate-700 dark:text-slate-300" data-testid="at-deadline">
                  At the deadline it {x.at_deadline.text}
                  {x.step_id ? (
                    <>
                      {' '}
                      (step <code className="font-mono text-xs">{x.step_id}</code>)
                    </>
                  ) : null}
                  .
                </p>
              </li>
            );
          })}
        </ul>
      )}
      {data.count > data.items.length ? <p className="mt-3 text-xs text-slate-600 dark:text-slate-400">Showing the {data.items.length} soonest of {data.count}.</p> : null}
    </Panel>
  );
}

type Failure = OpsSummary['failures']['items'][number];

/** How each source of failures is shown and where it leads; a new source adds an entry. */
const FAILURE_VIEW: { [K in Failure['kind']]: { label: string; href: (f: Extract<Failure, { kind: K }>) => string } } = {
  execution_failed: { label: 'Execution failed', href: (f) => `/executions/${f.execution_id}` },
  worker_errors: { label: 'Worker errors', href: () => '#worker-title' },
};

function failureView(f: Failure): { label: string; href: string } {
  const v = FAILURE_VIEW[f.kind] as { label: string; href: (x: Failure) => string };
  return { label: v.label, href: v.href(f) };
}

export function RecentFailures({ data }: { data: OpsSummary['failures'] }) {
  return (
    <Panel
      title="Recent failures"
      id="failures"
      aside={
        <Link href="/executions?status=failed" className={cx(linkClass, 'text-xs')}>
          {plural(data.failed_executions_24h, 'failed execution')} in 24 h
        </Link>
      }
    >
      {data.items.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="no-failures">
          Nothing failed in the last 24 hours, and no worker reports errors.
        </p>
      ) : (
        <ul className="space-y-3" data-testid="failure-list">
          {data.items.map((f, i) => {
            const v = failureView(f);
            return (
              <li key={`${f.kind}-${i}`} className="text-sm" data-kind={f.kind}>
                <div className="flex flex-wrap items-baseline justify-between gap-x-3">
                  <Link href={v.href} className={linkClass}>
                    <span className="sr-only">{v.label}: </span>
                    {f.title}
                  </Link>
                  <TimeAgo iso={f.at} className="text-xs text-slate-600 dark:text-slate-400" />
                </div>
                {f.detail ? <p className="break-words text-slate-700 dark:text-slate-300">{f.detail}</p> : null}
              </li>
            );
          })}
        </ul>
      )}
    </Panel>
  );
}
