'use client';
import Link from 'next/link';
import { usePathname, useSearchParams } from 'next/navigation';
import { useCallback, useId, useState } from 'react';
import { isApiError } from '@/lib/client/api';
import { formatDateTime } from '@/lib/client/format';
import { useExecution, useExecutions, useWorkflows } from '@/lib/client/hooks';
import type { ExecutionListItem, ExecutionStatus } from '@/lib/client/types';
import { EXECUTION_STATUSES } from '@/lib/core/engine/state-machine';
import { isUuid } from '@/lib/core/ids';
import { TimeAgo } from '../live-age';
import { Button, Card, cx, EmptyState, ErrorState, errorMessage, focusRing, inputClass, LoadingRows, PageHeader, Spinner, StatusBadge } from '../ui';

const PAGE_SIZE = 25;

export function ExecutionsList() {
  const params = useSearchParams();
  const pathname = usePathname();
  const status = (params.get('status') ?? '') as ExecutionStatus | '';
  const workflow = params.get('workflow') ?? '';
  const idParam = params.get('id') ?? '';
  const [idInput, setIdInput] = useState(idParam);
  const workflows = useWorkflows();
  const ids = { status: useId(), workflow: useId(), id: useId() };

  const setParams = useCallback(
    (next: Record<string, string>) => {
      const p = new URLSearchParams(params.toString());
      for (const [k, v] of Object.entries(next)) {
        if (v) p.set(k, v);
        else p.delete(k);
      }
      const qs = p.toString();
      // Filters live in the URL but need nothing from the server (the data comes from the API):
      // the History API updates useSearchParams at once, without a server round trip per change
      // (pages are rendered per request, for their CSP nonce).
      window.history.replaceState(null, '', qs ? `${pathname}?${qs}` : pathname);
    },
    [params, pathname],
  );

  return (
    <div>
      <PageHeader title="Executions" description="Every execution, newest first. Filter by status or workflow, or look one up by id." />
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
                placeholder="paste a full id, or the start of one"
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
      ) : (
        <Paged key={`${status}|${workflow}`} status={status || undefined} workflow={workflow || undefined} idPrefix={idParam.toLowerCase()} />
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
  const q = useExecutions({ status, workflow, cursor: cursors[cursors.length - 1], limit: PAGE_SIZE });
  if (q.isPending) return <LoadingRows label="Loading executions…" />;
  if (q.isError && !q.data) return <ErrorState error={q.error} title="Could not load executions" onRetry={() => void q.refetch()} />;
  const page = q.data!;
  const rows = idPrefix ? page.executions.filter((e) => e.id.startsWith(idPrefix)) : page.executions;
  const pageIndex = cursors.length - 1;
  return (
    <div>
      <div className="mb-2 flex items-center justify-between text-sm text-slate-600 dark:text-slate-400">
        <p aria-live="polite">
          {idPrefix ? `${rows.length} on this page start with “${idPrefix}” — paste the full id to look it up anywhere` : `Page ${pageIndex + 1} · ${page.count} shown`}
        </p>
        <span className="flex items-center gap-2 text-xs">
          {q.isFetching ? <Spinner className="h-3 w-3" /> : <span aria-hidden="true" className="h-2 w-2 rounded-full bg-emerald-500" />} Live
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

function ExecutionTable({ rows }: { rows: ExecutionListItem[] }) {
  return (
    <Card as="div" className="overflow-hidden">
      {/* A table from sm up; stacked cards on a phone. */}
      <table className="hidden w-full text-left text-sm sm:table">
        <thead className="bg-slate-50 text-xs text-slate-500 uppercase dark:bg-slate-800/60 dark:text-slate-400">
          <tr>
            <th scope="col" className="px-4 py-2.5 font-medium">
              Execution
            </th>
            <th scope="col" className="px-4 py-2.5 font-medium">
              Workflow
            </th>
            <th scope="col" className="px-4 py-2.5 font-medium">
              Status
            </th>
            <th scope="col" className="hidden px-4 py-2.5 font-medium md:table-cell">
              Step
            </th>
            <th scope="col" className="px-4 py-2.5 font-medium">
              Started
            </th>
            <th scope="col" className="hidden px-4 py-2.5 font-medium lg:table-cell">
              By
            </th>
          </tr>
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
              </td>
              <td className="hidden px-4 py-2.5 font-mono text-xs md:table-cell">{e.current_step_id ?? e.paused_step_id ?? '—'}</td>
              <td className="px-4 py-2.5 whitespace-nowrap" title={formatDateTime(e.started_at)}>
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
                <StatusBadge status={e.status} />
              </div>
              <div className="mt-1 flex justify-between text-xs text-slate-500">
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
