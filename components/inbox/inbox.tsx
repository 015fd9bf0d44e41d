'use client';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { can, checkDecide } from '@/lib/client/access';
import { plural } from '@/lib/client/format';
import { useDecide, useMe, useOpsSummary, usePausedExecutions, useWorkflows } from '@/lib/client/hooks';
import type { Decision, Me, PausedExecution } from '@/lib/client/types';
import { TimeAgo } from '../live-age';
import { useToast } from '../toast';
import { Button, Card, cx, EmptyState, ErrorState, errorMessage, inputClass, LoadingRows, PageHeader, Spinner } from '../ui';
import { BulkResults, type BulkRun } from './bulk-results';
import { DecideDialog, rowLabel } from './decide-dialog';
import { InboxRow } from './inbox-row';
import { InboxViews, MyApprovals } from './my-approvals';

const PAGE_SIZE = 25;

/** The approver's home: everything paused, oldest first, with the decisions one key away. */
export function Inbox() {
  const params = useSearchParams();
  const pathname = usePathname();
  const workflow = params.get('workflow') ?? '';
  const reason = params.get('reason') ?? '';
  const [reasonInput, setReasonInput] = useState(reason);
  const workflows = useWorkflows();
  const reasonId = useId();
  const workflowId = useId();

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

  // Typing in the reason box filters after a short pause, not on every key.
  useEffect(() => {
    if (reasonInput.trim() === reason) return;
    const t = setTimeout(() => setParams({ reason: reasonInput.trim() }), 300);
    return () => clearTimeout(t);
  }, [reasonInput, reason, setParams]);

  const filtered = !!(workflow || reason);
  // Deciders open on "Needs my decision"; a filtered link (or someone who does not decide) gets the paused list.
  const decides = can(useMe().data, 'approval:decide');
  const view = (['mine', 'all', 'decided'] as const).find((v) => v === params.get('view')) ?? (decides && !filtered ? 'mine' : 'all');

  return (
    <div>
      <PageHeader
        title="Inbox"
        description={
          <>
            Pending approvals and paused executions, oldest first.
            <span className="hidden sm:inline">
              {' '}
              Keys: <kbd className="font-mono">j</kbd>/<kbd className="font-mono">k</kbd> move · <kbd className="font-mono">a</kbd> approve ·{' '}
              <kbd className="font-mono">r</kbd> reject · <kbd className="font-mono">x</kbd> select · <kbd className="font-mono">Enter</kbd> opens.
            </span>
          </>
        }
      />
      <InboxSummary filtered={filtered} />
      {decides ? <InboxViews view={view} onChange={(v) => setParams({ view: v === 'mine' && !filtered ? '' : v })} /> : null}
      {view === 'mine' ? <MyApprovals view="for" /> : view === 'decided' ? <MyApprovals view="decided" /> : null}
      {/* "All paused": the filters and the list below (left at their indentation to keep this change small). */}
      {view === 'all' ? (<>
      <Card as="div" className="mb-4 p-3 sm:p-4">
        <form
          role="search"
          aria-label="Filter the inbox"
          className="grid grid-cols-1 gap-3 sm:grid-cols-[minmax(0,16rem)_minmax(0,1fr)_auto] sm:items-end"
          onSubmit={(e) => {
            e.preventDefault();
            setParams({ reason: reasonInput.trim() });
          }}
        >
          <div className="space-y-1">
            <label htmlFor={workflowId} className="block text-xs font-medium text-slate-600 dark:text-slate-400">
              Workflow
            </label>
            <select id={workflowId} value={workflow} onChange={(e) => setParams({ workflow: e.target.value })} className={inputClass}>
              <option value="">All workflows</option>
              {workflows.data?.workflows.map((w) => (
                <option key={w.id} value={w.key}>
                  {w.name}
                </option>
              ))}
              {workflow && workflows.data && !workflows.data.workflows.some((w) => w.key === workflow || w.id === workflow) ? (
                <option value={workflow}>{workflow}</option>
              ) : null}
            </select>
          </div>
          <div className="space-y-1">
            <label htmlFor={reasonId} className="block text-xs font-medium text-slate-600 dark:text-slate-400">
              Reason contains
            </label>
            <input
              id={reasonId}
              type="search"
              value={reasonInput}
              onChange={(e) => setReasonInput(e.target.value)}
              placeholder="e.g. manager approval"
              className={inputClass}
            />
          </div>
          <Button
            variant="ghost"
            disabled={!filtered && !reasonInput}
            onClick={() => {
              setReasonInput('');
              setParams({ workflow: '', reason: '' });
            }}
          >
            Clear filters
          </Button>
        </form>
      </Card>
      {/* A new filter starts again at the first page, with nothing selected. */}
      <InboxList key={`${workflow}\u0000${reason}`} workflow={workflow} reason={reason} filtered={filtered} />
      </>) : null}
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
    <div className="mb-4 flex flex-wrap items-center gap-2 text-sm" data-testid="inbox-summary">
      <span
        data-testid="over-24h"
        className={cx(
          'inline-flex items-center gap-1.5 rounded-full px-3 py-1 font-medium',
          over > 0
            ? 'bg-amber-100 text-amber-950 ring-1 ring-amber-300 dark:bg-amber-900/50 dark:text-amber-100 dark:ring-amber-700'
            : 'bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300',
        )}
      >
        {over > 0 ? <span aria-hidden="true">⚠</span> : null}
        {plural(over, 'pause')} over 24 h{filtered ? ' (all workflows)' : ''}
      </span>
      <span className="inline-flex rounded-full bg-violet-100 px-3 py-1 font-medium text-violet-900 dark:bg-violet-900/40 dark:text-violet-100">
        {plural(ops.data.approvals.pending, 'pending approval')}
      </span>
      {stale ? (
        <span role="status" className="inline-flex rounded-full bg-rose-100 px-3 py-1 font-medium text-rose-900 dark:bg-rose-900/50 dark:text-rose-100">
          Worker is late: decided items are not being resumed. See Ops.
        </span>
      ) : null}
    </div>
  );
}

type DialogState = { decision: Decision; rows: PausedExecution[]; bulk: boolean } | null;

function isTypingTarget(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  return !!el?.closest?.('input, textarea, select, [contenteditable=""], [contenteditable="true"], dialog');
}

function InboxList({ workflow, reason, filtered }: { workflow: string; reason: string; filtered: boolean }) {
  const router = useRouter();
  const toast = useToast();
  const me: Me | undefined = useMe().data;
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const query = usePausedExecutions({ workflow: workflow || undefined, reason: reason || undefined, cursor, limit: PAGE_SIZE });
  const rows = useMemo(() => query.data?.executions ?? [], [query.data]);
  const [activeRaw, setActive] = useState(0);
  const active = Math.min(activeRaw, Math.max(0, rows.length - 1));
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [dialog, setDialog] = useState<DialogState>(null);
  const [bulk, setBulk] = useState<BulkRun | null>(null);
  const decide = useDecide(me);
  const rowEls = useRef(new Map<string, HTMLLIElement>());

  const decidable = useCallback((r: PausedExecution) => !!r.approval && checkDecide(me, r.approval, r).allowed, [me]);
  const selectedRows = rows.filter((r) => selected.has(r.id) && decidable(r));

  const openDecision = useCallback(
    (row: PausedExecution, decision: Decision) => {
      if (!row.approval) return;
      const check = checkDecide(me, row.approval, row);
      if (!check.allowed) {
        if (!check.hidden) toast.show({ kind: 'info', title: `Cannot ${decision} ${rowLabel(row)}`, message: check.reason });
        return;
      }
      setDialog({ decision, rows: [row], bulk: false });
    },
    [me, toast],
  );

  function runSingle(row: PausedExecution, decision: Decision, comment: string) {
    setDialog(null);
    const label = rowLabel(row);
    decide.mutate(
      { approvalId: row.approval!.id, executionId: row.id, decision, comment: comment || undefined },
      {
        onSuccess: () => toast.show({ kind: 'success', title: `${decision === 'approve' ? 'Approved' : 'Rejected'}: ${label}` }),
        onError: (e) => toast.show({ kind: 'error', title: `Could not ${decision} ${label}`, message: errorMessage(e) }),
      },
    );
  }

  async function runBulk(targets: PausedExecution[], decision: Decision, comment: string) {
    setDialog(null);
    const run: BulkRun = { decision, running: true, results: targets.map((r) => ({ id: r.id, label: rowLabel(r), state: 'pending' as const })) };
    setBulk(run);
    setSelected(new Set());
    const results = [...run.results];
    const update = (i: number, patch: Partial<BulkRun['results'][number]>) => {
      results[i] = { ...results[i]!, ...patch };
      setBulk({ decision, running: true, results: [...results] });
    };
    // A few at a time: quick for a page of items, gentle on the server.
    let next = 0;
    const workers = Array.from({ length: Math.min(3, targets.length) }, async () => {
      while (next < targets.length) {
        const i = next++;
        const r = targets[i]!;
        try {
          await decide.mutateAsync({ approvalId: r.approval!.id, executionId: r.id, decision, comment: comment || undefined });
          update(i, { state: 'ok' });
        } catch (e) {
          update(i, { state: 'error', message: errorMessage(e) });
        }
      }
    });
    await Promise.all(workers);
    setBulk({ decision, running: false, results: [...results] });
  }

  const focusRow = useCallback(
    (i: number) => {
      const row = rows[i];
      if (!row) return;
      setActive(i);
      const el = rowEls.current.get(row.id);
      el?.focus();
      el?.scrollIntoView({ block: 'nearest' });
    },
    [rows],
  );

  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTypingTarget(e.target)) return;
      if (document.querySelector('dialog[open]')) return;
      const row = rows[active];
      const onRow = !!(e.target as HTMLElement).closest?.('[data-testid="inbox-row"]');
      switch (e.key) {
        case 'j':
        case 'k':
        case 'ArrowDown':
        case 'ArrowUp': {
          // Arrows only move within the list; j/k work from anywhere on the page.
          if (e.key.startsWith('Arrow') && !onRow) return;
          e.preventDefault();
          const down = e.key === 'j' || e.key === 'ArrowDown';
          // The first key press lands on the current row; later ones move.
          focusRow(!onRow ? active : down ? Math.min(active + 1, rows.length - 1) : Math.max(active - 1, 0));
          break;
        }
        case 'Enter': {
          // Links and buttons keep their own Enter; on a row it opens the detail.
          if ((e.target as HTMLElement).closest('a, button, input') || !onRow || !row) return;
          e.preventDefault();
          router.push(`/executions/${row.id}`);
          break;
        }
        case 'a':
        case 'r':
          if (!row) return;
          e.preventDefault();
          openDecision(row, e.key === 'a' ? 'approve' : 'reject');
          break;
        case 'x':
          if (!row || !decidable(row)) return;
          e.preventDefault();
          setSelected((s) => toggled(s, row.id));
          break;
      }
    }
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [rows, active, focusRow, openDecision, decidable, router]);

  if (query.isPending) return <LoadingRows label="Loading the inbox…" />;
  if (query.isError && !query.data) return <ErrorState error={query.error} title="Could not load the inbox" onRetry={() => void query.refetch()} />;

  const page = query.data!;
  const pageIndex = cursors.length - 1;
  const from = rows.length ? pageIndex * PAGE_SIZE + 1 : 0;
  const decidableOnPage = rows.filter(decidable);
  const allSelected = decidableOnPage.length > 0 && decidableOnPage.every((r) => selected.has(r.id));

  return (
    <div>
      <div className="mb-2 flex flex-wrap items-center justify-between gap-2 text-sm text-slate-600 dark:text-slate-400">
        <p data-testid="inbox-count" aria-live="polite">
          {page.total === 0 ? 'Nothing paused' : `Showing ${from.toLocaleString('en-US')}–${(from + rows.length - 1).toLocaleString('en-US')} of ${plural(page.total, 'paused execution')}`}
          {filtered ? ' matching the filters' : ''}
        </p>
        <p className="flex items-center gap-2 text-xs">
          {query.isFetching ? <Spinner className="h-3 w-3" /> : <span aria-hidden="true" className="h-2 w-2 rounded-full bg-emerald-500" />}
          Live · updated <TimeAgo iso={query.dataUpdatedAt ? new Date(query.dataUpdatedAt).toISOString() : null} />
        </p>
      </div>

      {query.isError ? (
        <p role="alert" className="mb-3 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-900 dark:bg-rose-950/50 dark:text-rose-100">
          Live updates paused: {errorMessage(query.error)} Showing the last data received.
        </p>
      ) : null}

      {bulk ? <BulkResults run={bulk} onDismiss={() => setBulk(null)} /> : null}

      {decidableOnPage.length > 0 ? (
        <div
          className={cx(
            'sticky top-[3.25rem] z-20 mb-2 flex flex-wrap items-center gap-2 rounded-lg border px-3 py-2 text-sm',
            selectedRows.length
              ? 'border-indigo-200 bg-indigo-50 dark:border-indigo-900 dark:bg-indigo-950/80'
              : 'border-transparent bg-slate-50/90 dark:bg-slate-950/90',
          )}
        >
          <label className="inline-flex items-center gap-2">
            <input
              type="checkbox"
              checked={allSelected}
              onChange={() => setSelected(allSelected ? new Set() : new Set(decidableOnPage.map((r) => r.id)))}
              className="h-4 w-4 accent-indigo-600"
            />
            <span>{selectedRows.length ? `${selectedRows.length} selected` : 'Select all you can decide on this page'}</span>
          </label>
          {selectedRows.length ? (
            <div className="ml-auto flex gap-2">
              <Button size="sm" variant="approve" onClick={() => setDialog({ decision: 'approve', rows: selectedRows, bulk: true })}>
                Approve selected
              </Button>
              <Button size="sm" variant="reject" onClick={() => setDialog({ decision: 'reject', rows: selectedRows, bulk: true })}>
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
                onActivate={() => setActive(i)}
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
          <span className="text-sm text-slate-600 dark:text-slate-400">Page {pageIndex + 1}</span>
          <Button disabled={!page.next_cursor} onClick={() => page.next_cursor && setCursors((c) => [...c, page.next_cursor!])}>
            Older →
          </Button>
        </nav>
      )}

      {dialog ? (
        <DecideDialog
          decision={dialog.decision}
          rows={dialog.rows}
          onClose={() => setDialog(null)}
          onConfirm={(comment) => (dialog.bulk ? void runBulk(dialog.rows, dialog.decision, comment) : runSingle(dialog.rows[0]!, dialog.decision, comment))}
        />
      ) : null}
    </div>
  );
}

function toggled(s: ReadonlySet<string>, id: string): ReadonlySet<string> {
  const n = new Set(s);
  if (n.has(id)) n.delete(id);
  else n.add(id);
  return n;
}
