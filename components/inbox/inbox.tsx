'use client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Step } from '@/lib/core/engine/definition';
import { decisionOutcomes } from '@/lib/core/engine/pause-outcomes';
import { can, checkDecide } from '@/lib/client/access';
import { plural } from '@/lib/client/format';
import { useMe, useOpsSummary, usePausedExecutions, useWorkflows } from '@/lib/client/hooks';
import { useLiveConnected } from '@/lib/client/live';
import { useSearchParamsSetter } from '@/lib/client/use-search-params-setter';
import type { Decision, Me, PausedExecution } from '@/lib/client/types';
import { TimeAgo } from '../live-age';
import { useToast } from '../toast';
import { Button, Card, cx, EmptyState, ErrorState, errorMessage, LoadingRows, PageHeader, Spinner } from '../ui';
import { BulkResults } from './bulk-results';
import { rowLabel } from './decide-dialog';
import { InboxFilters, type InboxFilterValues } from './inbox-filters';
import { InboxRow } from './inbox-row';
import { InboxViews, MyApprovals } from './my-approvals';
import { useBulkDecide } from './use-bulk-decide';
import { useDecision, type DecisionItem } from './use-decision';
import { useInboxKeys } from './use-inbox-keys';

const PAGE_SIZE = 25;
const DAY_MS = 86_400_000;
/** The row to give focus back to after returning from its detail page (Back). */
const RETURN_KEY = 'wr-inbox-return';

type InboxView = 'mine' | 'all' | 'decided';
type UrlState = InboxFilterValues & { view: string };

/** The URL's filters and view, and a setter that keeps the rest of the query string. */
function useUrlFilters(): [InboxFilterValues & { view: string }, (next: Partial<UrlState>) => void] {
  const [params, setParams] = useSearchParamsSetter();
  const values = {
    workflow: params.get('workflow') ?? '',
    reason: params.get('reason') ?? '',
    over: params.get('over') === '24h' ? '24h' : '',
    view: params.get('view') ?? '',
  } as const;
  const set: (next: Partial<UrlState>) => void = setParams;
  return [values, set];
}

/** The approver's home: everything paused, oldest first, with the decisions one key away. */
export function Inbox() {
  const [filters, setFilters] = useUrlFilters();
  const me = useMe().data;
  const canDecide = can(me, 'approval:decide');
  const filtered = !!(filters.workflow || filters.reason || filters.over);
  // Deciders open on "Needs my decision"; a filtered link (or someone who does not decide) gets the paused list.
  const view: InboxView = (['mine', 'all', 'decided'] as const).find((v) => v === filters.view) ?? (canDecide && !filtered ? 'mine' : 'all');

  return (
    <div>
      <PageHeader
        title="Inbox"
        description={
          <>
            {/* On a phone the first row matters more than the description: it is shown from sm up. */}
            <span className="hidden sm:inline">
              Pending approvals and paused executions, oldest first. Keys: <kbd className="font-mono">j</kbd>/<kbd className="font-mono">k</kbd> move
              {canDecide ? (
                <>
                  {' '}
                  · <kbd className="font-mono">a</kbd> approve · <kbd className="font-mono">r</kbd> reject · <kbd className="font-mono">x</kbd> select
                </>
              ) : null}{' '}
              · <kbd className="font-mono">Enter</kbd> opens.
            </span>
          </>
        }
        actions={
          me && !canDecide ? (
            <span data-testid="read-only" className="rounded-full border border-slate-300 px-2.5 py-0.5 text-xs text-slate-700 dark:border-slate-700 dark:text-slate-300">
              Read-only: you cannot decide approvals
            </span>
          ) : null
        }
      />
      <InboxSummary filtered={filtered} />
      {canDecide ? <InboxViews view={view} onChange={(v) => setFilters({ view: v === 'mine' && !filtered ? '' : v })} /> : null}
      {view === 'mine' ? <MyApprovals view="for" /> : view === 'decided' ? <MyApprovals view="decided" /> : null}
      {view === 'all' ? (
        <>
          <InboxFilters values={filters} onChange={setFilters} />
          {/* A new filter starts again at the first page, with nothing selected. */}
          <InboxList key={JSON.stringify([filters.workflow, filters.reason, filters.over])} filters={filters} filtered={filtered} me={me} onShowAll={() => setFilters({ over: '' })} />
        </>
      ) : null}
    </div>
  );
}

function InboxSummary({ filtered }: { filtered: boolean }) {
  // The inbox only needs the headline numbers: refreshed less often than the ops wall screen.
  const ops = useOpsSummary({ intervalMs: 15_000 });
  if (!ops.data) return null;
  const over = ops.data.paused.over_24h;
  const stale = ops.data.workers.status === 'stale';
  return (
    <div className="mb-3 flex flex-wrap items-center gap-1.5 text-xs sm:mb-4 sm:gap-2 sm:text-sm" data-testid="inbox-summary">
      <Link
        href="/?over=24h"
        data-testid="over-24h"
        className={cx(
          'inline-flex items-center gap-1.5 rounded-full px-2.5 py-1 font-medium hover:underline sm:px-3',
          over > 0
            ? 'bg-amber-100 text-amber-950 ring-1 ring-amber-300 dark:bg-amber-900/50 dark:text-amber-100 dark:ring-amber-700'
            : 'bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300',
        )}
      >
        {over > 0 ? <span aria-hidden="true">⚠</span> : null}
        {plural(over, 'pause')} over 24 h{filtered ? ' (all workflows)' : ''}
      </Link>
      <span className="inline-flex rounded-full bg-violet-100 px-2.5 py-1 font-medium sm:px-3 text-violet-900 dark:bg-violet-900/40 dark:text-violet-100">
        {plural(ops.data.approvals.pending, 'pending approval')}
      </span>
      {stale ? (
        <span role="status">
          <Link href="/ops" className="inline-flex rounded-full bg-rose-100 px-2.5 py-1 font-medium sm:px-3 text-rose-900 hover:underline dark:bg-rose-900/50 dark:text-rose-100">
            Worker is late<span className="hidden sm:inline">: decided items are not being resumed</span>. See Ops.
          </Link>
        </span>
      ) : null}
    </div>
  );
}

/** Each workflow's steps by id, for saying where a decision leads. */
function useStepLookup(): (workflowId: string, stepId: string | null) => Step | undefined {
  const workflows = useWorkflows();
  const byWorkflow = useMemo(() => {
    const m = new Map<string, Map<string, Step>>();
    for (const w of workflows.data?.workflows ?? []) m.set(w.id, new Map(w.definition.steps.map((s) => [s.id, s as unknown as Step])));
    return m;
  }, [workflows.data]);
  return useCallback((workflowId, stepId) => (stepId ? byWorkflow.get(workflowId)?.get(stepId) : undefined), [byWorkflow]);
}

function toggled(s: ReadonlySet<string>, id: string): ReadonlySet<string> {
  const n = new Set(s);
  if (n.has(id)) n.delete(id);
  else n.add(id);
  return n;
}

function InboxList({ filters, filtered, me, onShowAll }: { filters: InboxFilterValues; filtered: boolean; me: Me | undefined; onShowAll: () => void }) {
  const router = useRouter();
  const toast = useToast();
  const live = useLiveConnected();
  // "Over 24 h" is fixed when the view opens, so paging is stable.
  const [pausedBefore] = useState(() => (filters.over ? new Date(Date.now() - DAY_MS).toISOString() : undefined));
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const rowsRef = useRef<PausedExecution[]>([]);
  const cursor = cursors[cursors.length - 1];
  const query = usePausedExecutions({ workflow: filters.workflow || undefined, reason: filters.reason || undefined, pausedBefore, cursor, limit: PAGE_SIZE });
  const rows = useMemo(() => query.data?.executions ?? [], [query.data]);
  useEffect(() => {
    rowsRef.current = rows;
  });
  // The active row is kept by id, so it stays put when rows above it leave; when it leaves itself,
  // the row now at its place takes over.
  const [activeRow, setActiveRow] = useState<{ id: string | null; index: number }>({ id: null, index: 0 });
  const found = activeRow.id ? rows.findIndex((r) => r.id === activeRow.id) : -1;
  const active = found >= 0 ? found : Math.min(activeRow.index, Math.max(0, rows.length - 1));
  const setActiveId = useCallback((id: string) => setActiveRow({ id, index: Math.max(0, rowsRef.current.findIndex((r) => r.id === id)) }), []);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const rowEls = useRef(new Map<string, HTMLLIElement>());
  const stepOf = useStepLookup();
  const canDecide = can(me, 'approval:decide');

  const decidable = useCallback((r: PausedExecution) => !!r.approval && checkDecide(me, r.approval, r).allowed, [me]);
  const selectedRows = rows.filter((r) => selected.has(r.id) && decidable(r));

  const itemOf = useCallback(
    (row: PausedExecution): DecisionItem | null =>
      row.approval
        ? {
            target: { ...row, outcomes: row.pause_kind === 'approval' ? decisionOutcomes(stepOf(row.workflow_id, row.paused_step_id)) : undefined },
            approvalId: row.approval.id,
            executionId: row.id,
          }
        : null,
    [stepOf],
  );

  const focusRow = useCallback(
    (i: number) => {
      const row = rows[i];
      if (!row) return;
      setActiveId(row.id);
      const el = rowEls.current.get(row.id);
      el?.focus();
      el?.scrollIntoView({ block: 'nearest' });
    },
    [rows, setActiveId],
  );

  // After a decision, focus moves on to the next row (the decided one stays until the worker resumes it).
  const decision = useDecision(me, {
    onDecided: (item) => {
      const list = rowsRef.current;
      const i = list.findIndex((r) => r.id === item.executionId);
      const next = list[i + 1] ?? list[i - 1];
      if (!next) return;
      setActiveId(next.id);
      // After the dialog has closed and handed focus back to its opener.
      requestAnimationFrame(() => rowEls.current.get(next.id)?.focus());
    },
  });
  const bulk = useBulkDecide(me, { onStarted: () => setSelected(new Set()) });

  const openDecision = useCallback(
    (row: PausedExecution, d: Decision) => {
      const item = itemOf(row);
      if (!item || !row.approval) return;
      const check = checkDecide(me, row.approval, row);
      if (!check.allowed) {
        if (!check.hidden) toast.show({ kind: 'info', title: `Cannot ${d} ${rowLabel(row)}`, message: check.reason });
        return;
      }
      decision.start(item, d);
    },
    [me, toast, itemOf, decision],
  );

  const remember = (id: string) => {
    try {
      sessionStorage.setItem(RETURN_KEY, id);
    } catch {
      // no storage: Back lands at the top
    }
  };
  const openDetail = (row: PausedExecution) => {
    remember(row.id);
    router.push(`/executions/${row.id}`);
  };

  useInboxKeys({
    rowCount: rows.length,
    activeIndex: active,
    focusRow,
    open: (i) => rows[i] && openDetail(rows[i]),
    decide: canDecide ? (i, d) => rows[i] && openDecision(rows[i], d) : undefined,
    toggleSelect: canDecide
      ? (i) => {
          const row = rows[i];
          if (row && decidable(row)) setSelected((s) => toggled(s, row.id));
        }
      : undefined,
  });

  // Once the first page is in: come back to the row whose detail was opened (Back), and reopen a
  // decision that an ended session interrupted.
  const loaded = !!query.data;
  const { restore } = decision;
  useEffect(() => {
    if (!loaded) return;
    let back: string | null = null;
    try {
      back = sessionStorage.getItem(RETURN_KEY);
      sessionStorage.removeItem(RETURN_KEY);
    } catch {
      back = null;
    }
    const list = rowsRef.current;
    const i = back ? list.findIndex((r) => r.id === back) : -1;
    if (i >= 0) {
      setActiveId(list[i]!.id);
      requestAnimationFrame(() => {
        const el = rowEls.current.get(list[i]!.id);
        el?.focus();
        el?.scrollIntoView({ block: 'center' });
      });
    }
    restore((approvalId) => {
      const row = rowsRef.current.find((r) => r.approval?.id === approvalId);
      return row && row.approval && checkDecide(me, row.approval, row).allowed ? itemOf(row) : null;
    });
    // Only when the data first arrives.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [loaded]);

  if (query.isPending) return <LoadingRows label="Loading the inbox…" />;
  if (query.isError && !query.data) return <ErrorState error={query.error} title="Could not load the inbox" onRetry={() => void query.refetch()} />;

  const page = query.data!;
  const pageIndex = cursors.length - 1;
  const from = rows.length ? pageIndex * PAGE_SIZE + 1 : 0;
  const to = from + rows.length - 1;
  // The page and the count are read a moment apart: never claim fewer than are shown.
  const total = Math.max(page.total, to);
  const decidableOnPage = rows.filter(decidable);
  const allSelected = decidableOnPage.length > 0 && decidableOnPage.every((r) => selected.has(r.id));

  return (
    <div>
      <div className="mb-2 flex flex-wrap items-center justify-between gap-2 text-sm text-slate-700 dark:text-slate-300">
        <p data-testid="inbox-count" aria-live="polite">
          {total === 0 ? 'Nothing paused' : `Showing ${from.toLocaleString('en-US')}–${to.toLocaleString('en-US')} of ${plural(total, 'paused execution')}`}
          {filters.over ? ' paused over 24 h' : ''}
          {filters.workflow || filters.reason ? ' matching the filters' : ''}
          {filters.over ? (
            <>
              {' · '}
              <button type="button" className="font-medium text-indigo-700 underline-offset-2 hover:underline dark:text-indigo-300" onClick={onShowAll}>
                show all
              </button>
            </>
          ) : null}
        </p>
        <p className="flex items-center gap-2 text-xs" data-testid="live-state">
          {query.isFetching ? <Spinner className="h-3 w-3" /> : <span aria-hidden="true" className={cx('h-2 w-2 rounded-full', live ? 'bg-emerald-500' : 'bg-amber-500')} />}
          {live ? 'Live' : 'Refreshing every 5 s'} · updated <TimeAgo iso={query.dataUpdatedAt ? new Date(query.dataUpdatedAt).toISOString() : null} />
        </p>
      </div>

      {query.isError ? (
        <p role="alert" className="mb-3 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-900 dark:bg-rose-950/50 dark:text-rose-100">
          Live updates paused: {errorMessage(query.error)} Showing the last data received.
        </p>
      ) : null}

      {bulk.run ? <BulkResults run={bulk.run} onDismiss={bulk.dismiss} /> : null}

      {decidableOnPage.length > 0 ? (
        <div
          className={cx(
            // Sticky under the header from sm up; on a phone the header is taller and the bar scrolls away.
            'z-20 mb-2 flex flex-wrap items-center gap-2 rounded-lg border px-3 py-2 text-sm sm:sticky sm:top-[3.25rem]',
            selectedRows.length
              ? 'border-indigo-200 bg-indigo-50 dark:border-indigo-900 dark:bg-indigo-950'
              : 'border-transparent bg-slate-50 dark:bg-slate-950',
          )}
        >
          <label className="inline-flex min-h-6 items-center gap-2">
            <input
              type="checkbox"
              checked={allSelected}
              onChange={() => setSelected(allSelected ? new Set() : new Set(decidableOnPage.map((r) => r.id)))}
              className="h-6 w-6 accent-indigo-600 sm:h-4 sm:w-4"
            />
            <span>{selectedRows.length ? `${selectedRows.length} selected` : 'Select all you can decide on this page'}</span>
          </label>
          {selectedRows.length ? (
            <div className="ml-auto flex gap-2">
              <Button size="sm" variant="approve" onClick={() => bulk.confirm('approve', selectedRows.map(itemOf).filter((x): x is DecisionItem => x !== null))}>
                Approve selected
              </Button>
              <Button size="sm" variant="reject" onClick={() => bulk.confirm('reject', selectedRows.map(itemOf).filter((x): x is DecisionItem => x !== null))}>
                Reject selected
              </Button>
              <Button size="sm" variant="ghost" onClick={() => setSelected(new Set())}>
                Clear
              </Button>
            </div>
          ) : null}
        </div>
      ) : null}

      {rows.length === 0 ? (
        filtered ? (
          <EmptyState title="No paused executions match these filters" icon="search">
            Try another workflow or a shorter piece of the reason.
          </EmptyState>
        ) : (
          <EmptyState title="Nothing is waiting for you">Paused executions and approvals will appear here as they happen.</EmptyState>
        )
      ) : (
        <Card as="div" className="overflow-hidden">
          <ul aria-label="Paused executions" className="divide-y divide-slate-200 dark:divide-slate-800">
            {rows.map((row, i) => (
              <InboxRow
                key={row.id}
                row={row}
                me={me}
                dataUpdatedAt={query.dataUpdatedAt}
                active={i === active}
                selected={selected.has(row.id)}
                rowRef={(el) => {
                  if (el) rowEls.current.set(row.id, el);
                  else rowEls.current.delete(row.id);
                }}
                onActivate={() => setActiveId(row.id)}
                onOpen={() => remember(row.id)}
                onToggleSelect={() => setSelected((s) => toggled(s, row.id))}
                onDecide={(d) => openDecision(row, d)}
              />
            ))}
          </ul>
        </Card>
      )}

      {(pageIndex > 0 || page.next_cursor) && (
        <nav aria-label="Pages" className="mt-4 flex items-center justify-between gap-2">
          <Button disabled={pageIndex === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
            ← Newer
          </Button>
          <span className="text-sm text-slate-700 dark:text-slate-300">Page {pageIndex + 1}</span>
          <Button disabled={!page.next_cursor} onClick={() => page.next_cursor && setCursors((c) => [...c, page.next_cursor!])}>
            Older →
          </Button>
        </nav>
      )}

      {decision.dialog}
      {bulk.dialog}
    </div>
  );
}
