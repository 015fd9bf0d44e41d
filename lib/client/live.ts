'use client';
/**
 * Live updates: one EventSource on GET /api/v1/events per tab. Each change the server pushes
 * invalidates the TanStack Query caches that show it, so open pages refetch within a second.
 * While the stream is down (or the server's database listener is), queries poll instead
 * (`fallbackInterval`).
 */
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect, useSyncExternalStore } from 'react';
import { queryKeys } from './query-keys';
import type { ApprovalPage, PausedPage } from './types';

let live = false;
const listeners = new Set<() => void>();

function setLive(next: boolean) {
  if (next === live) return;
  live = next;
  for (const l of listeners) l();
}

function subscribe(l: () => void) {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** True while changes are being pushed: lists need not poll. */
export function useLiveConnected(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => live,
    () => false,
  );
}

/** A refetch interval that applies only while pushes are not arriving. */
export function useFallbackInterval(ms: number): number | false {
  return useLiveConnected() ? false : ms;
}

/** What the database announced (migrations 0005 and 0010; lib/api/change-stream.ts). */
type Change = { k: 'e' | 'a' | 'd' | 'w'; id?: string; e?: string; s?: string; many?: boolean };

/** Everything a pushed change can make stale, by query key prefix. */
function keysFor(c: Change): readonly (readonly unknown[])[] {
  if (c.k === 'w') return [queryKeys.ops];
  // A delegation moves requests from one person's "Needs my decision" to another's.
  if (c.k === 'd') return [queryKeys.approvalsAll, queryKeys.delegation];
  // An execution pausing at an approval step opens a request; a decision, a vote or an escalation
  // changes who still has to decide: the approvals lists follow both kinds.
  const lists = [queryKeys.pausedAll, queryKeys.executionsAll, queryKeys.approvalsAll, queryKeys.ops];
  if (c.many || !c.id) return lists;
  const executionId = c.k === 'a' ? c.e : c.id;
  return executionId ? [...lists, queryKeys.execution(executionId)] : lists;
}

/**
 * Drops the row `gone` names from every cached page of a list at once: the push said it left, and
 * the refetch that follows (for the rest of the page) need not be waited for. A fetch of that page
 * already in flight (started by an earlier push, say) read the row while it was still there: it is
 * cancelled, or its answer would put the row back until the next refetch.
 */
async function dropFromLists<P, R>(
  qc: QueryClient,
  queryKey: readonly unknown[],
  list: { rows: (page: P) => readonly R[]; withRows: (page: P, rows: R[]) => P },
  gone: (row: R) => boolean,
) {
  for (const [key, page] of qc.getQueriesData<P>({ queryKey })) {
    if (!page || !list.rows(page).some(gone)) continue;
    await qc.cancelQueries({ queryKey: key, exact: true });
    const current = qc.getQueryData<P>(key) ?? page;
    const rows = list.rows(current).filter((r) => !gone(r));
    if (rows.length === list.rows(current).length) continue;
    qc.setQueryData<P>(key, list.withRows(current, rows), { updatedAt: qc.getQueryState(key)?.dataUpdatedAt });
  }
}

const pausedRows = {
  rows: (p: PausedPage) => p.executions,
  withRows: (p: PausedPage, executions: PausedPage['executions']) => ({ ...p, executions, count: executions.length, total: Math.max(0, p.total - (p.executions.length - executions.length)) }),
};
const approvalRows = {
  rows: (p: ApprovalPage) => p.approvals,
  withRows: (p: ApprovalPage, approvals: ApprovalPage['approvals']) => ({ ...p, approvals, count: approvals.length }),
};

/**
 * An execution that is no longer paused leaves the paused lists; a request no longer pending leaves
 * "Needs my decision".
 */
async function dropWhatLeft(qc: QueryClient, c: Change) {
  if (c.k === 'e' && c.id && c.s && c.s !== 'paused') await dropFromLists(qc, queryKeys.pausedAll, pausedRows, (e) => e.id === c.id);
  if (c.k === 'a' && c.id && c.s && c.s !== 'pending') await dropFromLists(qc, queryKeys.myApprovals('for'), approvalRows, (a) => a.id === c.id);
}

/** Invalidations arriving together (a decision touches an approval and its execution) refetch once. */
function batcher(qc: QueryClient) {
  const pending = new Map<string, readonly unknown[]>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  return (keys: readonly (readonly unknown[])[]) => {
    for (const k of keys) pending.set(JSON.stringify(k), k);
    timer ??= setTimeout(() => {
      timer = null;
      const batch = [...pending.values()];
      pending.clear();
      for (const queryKey of batch) void qc.invalidateQueries({ queryKey });
    }, 16);
  };
}

/** Opens the stream while `enabled` (signed in); mounted once, in the providers. */
export function useLiveUpdates(enabled: boolean) {
  const qc = useQueryClient();
  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const invalidate = batcher(qc);
    const es = new EventSource('/api/v1/events');
    es.addEventListener('status', (ev) => {
      let listening = false;
      try {
        listening = (JSON.parse((ev as MessageEvent<string>).data) as { listening?: boolean }).listening === true;
      } catch {
        listening = false;
      }
      // Back from polling (or just connected): anything may have changed meanwhile.
      if (listening && !live) void qc.invalidateQueries({ predicate: (q) => q.queryKey[0] !== queryKeys.me[0] });
      setLive(listening);
    });
    es.addEventListener('change', (ev) => {
      try {
        const change = JSON.parse((ev as MessageEvent<string>).data) as Change;
        void dropWhatLeft(qc, change).finally(() => invalidate(keysFor(change)));
      } catch {
        // a message this console does not understand: ignore it
      }
    });
    // The browser reconnects by itself (the server ends each stream after a few minutes); until
    // it is back, poll. A refused stream (401 after the session ended) stays closed: polling then
    // meets the 401 too and sends the user to sign in.
    es.onerror = () => setLive(false);
    return () => {
      es.close();
      setLive(false);
    };
  }, [enabled, qc]);
}
