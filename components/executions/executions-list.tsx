'use client';
import Link from 'next/link';
import { useId, useState } from 'react';
import { isApiError } from '@/lib/client/api';
import { formatAge, formatDateTime, formatZoned, plural } from '@/lib/client/format';
import { useNow } from '@/lib/client/clock';
import { useExecution, useExecutions, useWorkflows } from '@/lib/client/hooks';
import { useSearchParamsSetter } from '@/lib/client/use-search-params-setter';
import type { ExecutionListItem, ExecutionStatus } from '@/lib/client/types';
import { EXECUTION_STATUSES } from '@/lib/core/engine/state-machine';
import { isUuid } from '@/lib/core/ids';
import { LiveBadge, TimeAgo } from '../live-age';
import { Button, Card, cx, EmptyState, ErrorState, errorMessage, focusRing, inputClass, LoadingRows, PageHeader, Spinner, HeaderRow, StatusBadge } from '../ui';

/** The start of an id, as shown everywhere ("3f2a9c1e"): searched on the server (id_prefix). */
const ID_PREFIX = /^[0-9a-f-]{1,36}$/i;

const PAGE_SIZE = 25;

export function ExecutionsList() {
  const [params, setParams] = useSearchParamsSetter();
  const status = (params.get('status') ?? '') as ExecutionStatus | '';
  const workflow = params.get('workflow') ?? '';
  const idParam = params.get('id') ?? '';
  const [idInput, setIdInput] = useState(idParam);
  const workflows = useWorkflows();
  const ids = { status: useId(), workflow: useId(), id: useId() };


  return (
    <div>
      <PageHeader title="Executions" description="Every execution, newest first. Filter by status or workflow, or find one by its id or the start of it." />
      <Card as="div" className="mb-4 p-3 sm:p-4">
        <form
          role="search"
          aria-label="Filter executions"
          className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-[12rem_16rem_minmax(0,1fr)_auto] lg:items-end"
          onSubmit={(e) => {
            e.preventDefault();
            setParams({ id: idInput.trim() });
          }}
        >
          <div className="space-y-1">
            <label htmlFor={ids.status} className="block text-xs font-medium text-slate-600 dark:text-slate-400">
              Status
            </label>
            <select id={ids.status} value={status} onChange={(e) => setParams({ status: e.target.value })} className={inputClass}>
              <option value="">Any status</option>
              {EXECUTION_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
          <div className="space-y-1">
            <label htmlFor={ids.workflow} className="block text-xs font-medium text-slate-600 dark:text-slate-400">
              Workflow
            </label>
            <select id={ids.workflow} value={workflow} onChange={(e) => setParams({ workflow: e.target.value })} className={inputClass}>
              <option value="">All workflows</option>
              {workflows.data?.workflows.map((w) => (
                <option key={w.id} value={w.key}>
                  {w.name}
                </option>
              ))}
            </select>
          </div>
          <div className="space-y-1 sm:col-span-2 lg:col-span-1">
            <label htmlFor={ids.id} className="block text-xs font-medium text-slate-600 dark:text-slate-400">
              Execution id
            </label>
            <div className="flex gap-2">
              <input
                id={ids.id}
                type="search"
                value={idInput}
                onChange={(e) => setIdInput(e.target.value)}
                placeholder="the short id (3f2a9c1e) or the full one"
                className={cx(inputClass, 'font-mono')}
              />
              <Button type="submit">Find</Button>
            </div>
          </div>
          <Button
            variant="ghost"
            disabled={!status && !workflow && !idParam}
            onClick={() => {
              setIdInput('');
              setParams({ status: '', workflow: '', id: '' });
            }}
          >
            Clear
          </Button>
        </form>
      </Card>
      {isUuid(idParam) ? (
        <ExactLookup id={idParam} />
      ) : idParam && !ID_PREFIX.test(idParam) ? (
        <EmptyState title="That is not part of an execution id" icon="search">
          Ids are made of the digits 0–9 and the letters a–f, like <code className="font-mono">3f2a9c1e</code>.
        </EmptyState>
      ) : (
        <Paged key={`${status}|${workflow}|${idParam}`} status={status || undefined} workflow={workflow || undefined} idPrefix={idParam.toLowerCase()} />
      )}
    </div>
  );
}

function ExactLookup({ id }: { id: string }) {
  const q = useExecution(id);
  if (q.isPending) return <LoadingRows rows={1} />;
  if (q.isError) {
    return isApiError(q.error) && q.error.status === 404 ? (
      <EmptyState title="No execution with this id" icon="search">
        Check the id; it must be the full one.
      </EmptyState>
    ) : (
      <ErrorState error={q.error} onRetry={() => void q.refetch()} />
    );
  }
  return <ExecutionTable rows={[q.data]} />;
}

function Paged({ status, workflow, idPrefix }: { status?: ExecutionStatus; workflow?: string; idPrefix: string }) {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const q = useExecutions({ status, workflow, idPrefix: idPrefix || undefined, cursor: cursors[cursors.length - 1], limit: PAGE_SIZE });
  if (q.isPending) return <LoadingRows label="Loading executions…" />;
  if (q.isError && !q.data) return <ErrorState error={q.error} title="Could not load executions" onRetry={() => void q.refetch()} />;
  const page = q.data!;
  const rows = page.executions;
  const pageIndex = cursors.length - 1;
  const from = rows.length ? pageIndex * PAGE_SIZE + 1 : 0;
  const to = from + rows.length - 1;
  const total = Math.max(page.total, to);
  return (
    <div>
      <div className="mb-2 flex items-center justify-between text-sm text-slate-600 dark:text-slate-400">
        <p aria-live="polite" data-testid="executions-count">
          {total === 0
            ? 'No executions'
            : `Showing ${from.toLocaleString('en-US')}–${to.toLocaleString('en-US')} of ${page.total_exact ? '' : 'more than '}${plural(total, 'execution')}`}
          {idPrefix ? ` whose id starts with “${idPrefix}”` : ''}
        </p>
        <span className="flex items-center gap-2">
          {q.isFetching ? <Spinner className="h-3 w-3" /> : null}
          <LiveBadge pollSeconds={5} />
        </span>
      </div>
      {q.isError ? (
        <p role="alert" className="mb-3 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-900 dark:bg-rose-950/50 dark:text-rose-100">
          Live updates paused: {errorMessage(q.error)}
        </p>
      ) : null}
      {rows.length === 0 ? (
        <EmptyState title={status || workflow || idPrefix ? 'No executions match' : 'No executions yet'} icon="empty">
          {status || workflow || idPrefix ? 'Try other filters.' : 'Start one with POST /api/v1/executions.'}
        </EmptyState>
      ) : (
        <ExecutionTable rows={rows} />
      )}
      {(pageIndex > 0 || page.next_cursor) && (
        <nav aria-label="Pages" className="mt-4 flex items-center justify-between">
          <Button disabled={pageIndex === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
            ← Newer
          </Button>
          <span className="text-sm text-slate-600 dark:text-slate-400">Page {pageIndex + 1}</span>
          <Button disabled={!page.next_cursor} onClick={() => page.next_cursor && setCursors((c) => [...c, page.next_cursor!])}>
            Older →
          </Button>
        </nav>
      )}
    </div>
  );
}

/** "sleeping until 14:05 (in 52 min)" for an execution waiting in a wait step. */
function SleepingUntil({ iso, status }: { iso: string | null; status: string }) {
  const now = useNow();
  if (!iso || status !== 'running') return null;
  const left = now ? Math.floor((new Date(iso).getTime() - now) / 1000) : null;
  return (
    <span className="mt-0.5 block text-xs text-slate-600 dark:text-slate-400" data-testid="sleeping-until">
      sleeping until{' '}
      <time dateTime={iso} title={formatZoned(iso)}>
        {formatDateTime(iso)}
      </time>
      {left !== null ? (left > 0 ? ` (in ${formatAge(left)})` : ' (due now)') : ''}
    </span>
  );
}

function ExecutionTable({ rows }: { rows: ExecutionListItem[] }) {
  return (
    <Card as="div" className="overflow-hidden">
      {/* A table from sm up; stacked cards on a phone. */}
      <table className="hidden w-full text-left text-sm sm:table">
        <thead className="bg-slate-50 text-xs text-slate-500 uppercase dark:bg-slate-800/60 dark:text-slate-400">
          <HeaderRow base="px-4 py-2.5 font-medium" columns={['Execution', 'Workflow', 'Status', ['Step', 'hidden md:table-cell'], 'Started', ['By', 'hidden lg:table-cell']]} />
        </thead>
        <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
          {rows.map((e) => (
            <tr key={e.id} className="hover:bg-slate-50 dark:hover:bg-slate-800/40" data-testid="execution-row">
              <td className="px-4 py-2.5">
                <Link href={`/executions/${e.id}`} prefetch={false} className={cx('rounded-sm font-mono text-indigo-700 hover:underline dark:text-indigo-300', focusRing)}>
                  {e.id.slice(0, 8)}
                </Link>
              </td>
              <td className="px-4 py-2.5">{e.workflow_name ?? e.workflow_key}</td>
              <td className="px-4 py-2.5">
                <StatusBadge status={e.status} />
                <SleepingUntil iso={e.sleeping_until} status={e.status} />
              </td>
              <td className="hidden px-4 py-2.5 font-mono text-xs md:table-cell">{e.current_step_id ?? e.paused_step_id ?? '—'}</td>
              <td className="px-4 py-2.5 whitespace-nowrap">
                <TimeAgo iso={e.started_at} />
              </td>
              <td className="hidden max-w-48 truncate px-4 py-2.5 lg:table-cell">{e.started_by}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <ul className="divide-y divide-slate-200 sm:hidden dark:divide-slate-800">
        {rows.map((e) => (
          <li key={e.id}>
            <Link href={`/executions/${e.id}`} prefetch={false} className={cx('block px-4 py-3', focusRing)}>
              <div className="flex items-center justify-between gap-2">
                <span className="truncate font-medium">{e.workflow_name ?? e.workflow_key}</span>
                <span className="text-right">
                  <StatusBadge status={e.status} />
                  <SleepingUntil iso={e.sleeping_until} status={e.status} />
                </span>
              </div>
              <div className="mt-1 flex justify-between text-xs text-slate-600 dark:text-slate-400">
                <span className="font-mono">{e.id.slice(0, 8)}</span>
                <TimeAgo iso={e.started_at} />
              </div>
            </Link>
          </li>
        ))}
      </ul>
    </Card>
  );
}
