'use client';
/**
 * TanStack Query hooks over the public /api/v1: the console's only data path. Lists refetch every
 * few seconds and on window focus; decisions update the caches at once and roll back on failure.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient, type QueryClient, type QueryKey } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, apiFetch, isApiError, withQuery } from './api';
import { useFallbackInterval, useLiveConnected } from './live';
import { queryKeys } from './query-keys';
import type {
  ApprovalDto,
  ApprovalPage,
  Delegation,
  OutboxPage,
  Decision,
  Execution,
  ExecutionDetail,
  ExecutionEvent,
  ExecutionEventPage,
  ExecutionPage,
  ExecutionStatus,
  InboxApproval,
  JsonObject,
  Me,
  OpsSummary,
  PausedPage,
  Workflow,
  WorkflowList,
} from './types';

export { queryKeys };

/** How often lists poll while pushes are not arriving (lib/client/live.ts). */
export const LIVE_INTERVAL_MS = 5_000;


export function useMe(opts: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: queryKeys.me,
    queryFn: ({ signal }) => apiFetch<Me>('/me', { signal }),
    staleTime: 60_000,
    refetchInterval: 60_000,
    enabled: opts.enabled ?? true,
  });
}

export type PausedFilter = { workflow?: string; reason?: string; pausedBefore?: string; cursor?: string; limit?: number };

export function usePausedExecutions(f: PausedFilter) {
  return useQuery({
    queryKey: queryKeys.paused(f),
    queryFn: ({ signal }) =>
      apiFetch<PausedPage>(
        withQuery('/executions/paused', { limit: f.limit ?? 25, cursor: f.cursor, workflow_id: f.workflow, reason: f.reason, paused_before: f.pausedBefore }),
        { signal },
      ),
    placeholderData: keepPreviousData,
    refetchInterval: useFallbackInterval(LIVE_INTERVAL_MS),
  });
}

export type ExecutionFilter = { status?: ExecutionStatus; workflow?: string; idPrefix?: string; cursor?: string; limit?: number };

export function useExecutions(f: ExecutionFilter) {
  return useQuery({
    queryKey: queryKeys.executions(f),
    queryFn: ({ signal }) =>
      apiFetch<ExecutionPage>(
        withQuery('/executions', { limit: f.limit ?? 25, cursor: f.cursor, status: f.status, workflow_id: f.workflow, id_prefix: f.idPrefix }),
        { signal },
      ),
    placeholderData: keepPreviousData,
    refetchInterval: useFallbackInterval(LIVE_INTERVAL_MS),
  });
}

export function useExecution(id: string | undefined) {
  const live = useLiveConnected();
  return useQuery({
    queryKey: queryKeys.execution(id ?? ''),
    queryFn: ({ signal }) => apiFetch<ExecutionDetail>(`/executions/${encodeURIComponent(id!)}`, { signal }),
    enabled: !!id,
    refetchInterval: (q) => (live || (q.state.error && isApiError(q.state.error) && q.state.error.status === 404) ? false : 3_000),
  });
}

/**
 * The timeline's older pages, loaded on demand: the detail carries the newest events and a cursor
 * to the ones before them; each load fetches the page before the oldest loaded so far.
 */
export function useOlderEvents(id: string, detailCursor: string | null | undefined) {
  const [older, setOlder] = useState<{ events: ExecutionEvent[]; cursor: string | null } | null>(null);
  const load = useMutation({
    mutationFn: (cursor: string) => apiFetch<ExecutionEventPage>(withQuery(`/executions/${encodeURIComponent(id)}/events`, { cursor, limit: 50 })),
    onSuccess: (page) => setOlder((o) => ({ events: [...page.events, ...(o?.events ?? [])], cursor: page.next_cursor })),
  });
  const cursor = older ? older.cursor : (detailCursor ?? null);
  return {
    events: older?.events ?? [],
    hasMore: cursor !== null,
    loading: load.isPending,
    error: load.error,
    loadMore: () => {
      if (cursor) load.mutate(cursor);
    },
  };
}

export function useWorkflows() {
  return useQuery({ queryKey: queryKeys.workflows, queryFn: ({ signal }) => apiFetch<WorkflowList>('/workflows', { signal }), staleTime: 30_000, refetchInterval: 60_000 });
}

export function useWorkflow(idOrKey: string | undefined) {
  return useQuery({
    queryKey: queryKeys.workflow(idOrKey ?? ''),
    queryFn: ({ signal }) => apiFetch<Workflow>(`/workflows/${encodeURIComponent(idOrKey!)}`, { signal }),
    enabled: !!idOrKey,
    staleTime: 30_000,
  });
}

/** How often the ops numbers refresh while pushes arrive: a late worker or an expiring pause is a matter of time passing, which nothing announces. */
const OPS_TIME_DRIVEN_MS = 15_000;

export function useOpsSummary(opts: { enabled?: boolean; intervalMs?: number } = {}) {
  const live = useLiveConnected();
  const interval = opts.intervalMs ?? LIVE_INTERVAL_MS;
  return useQuery({
    queryKey: queryKeys.ops,
    queryFn: ({ signal }) => apiFetch<OpsSummary>('/ops/summary', { signal }),
    refetchInterval: live ? Math.max(OPS_TIME_DRIVEN_MS, interval) : interval,
    enabled: opts.enabled ?? true,
  });
}

// ---------------------------------------------------------------------------------------------
// Decisions: optimistic, per row, rolled back on failure with a message naming who decided.

export type DecideVars = {
  approvalId: string;
  executionId: string;
  decision: Decision;
  comment?: string;
  /** The form's values (the step's input_schema). */
  data?: Record<string, unknown>;
  /** Approve with edits: new values of editable payload fields. */
  edits?: Record<string, unknown>;
  /** The payload version the dialog displayed: always sent, so a changed payload is a 409, not a blind vote. */
  payloadVersion?: number;
};

function applyDecision(a: InboxApproval, me: Me, v: DecideVars): InboxApproval {
  const received = v.decision === 'approve' ? a.approvals_received + 1 : a.approvals_received;
  const status = v.decision === 'reject' ? 'rejected' : received >= a.required_approvals ? 'approved' : 'pending';
  return {
    ...a,
    status,
    approvals_received: received,
    decisions: [
      ...a.decisions,
      {
        actor: me.id,
        decision: v.decision,
        comment: v.comment ?? null,
        created_at: new Date().toISOString(),
        payload_version: v.payloadVersion ?? a.payload_version,
        stale: false,
        data: v.data ?? null,
      },
    ],
  };
}

type Snapshot = { key: QueryKey; approval: InboxApproval | null }[];

/** Puts one approval back as it was in each cache, leaving every other row (and other in-flight decisions) alone. */
function restoreApproval(qc: QueryClient, v: DecideVars, snapshot: Snapshot) {
  for (const { key, approval } of snapshot) {
    if (key[0] === 'paused') {
      qc.setQueryData<PausedPage>(
        key,
        (page) => (page ? { ...page, executions: page.executions.map((e) => (e.approval?.id === v.approvalId ? { ...e, approval } : e)) } : page),
        { updatedAt: qc.getQueryState(key)?.dataUpdatedAt },
      );
    } else {
      qc.setQueryData<ExecutionDetail>(key, (d) =>
        d && approval ? { ...d, approvals: d.approvals.map((a) => (a.id === v.approvalId ? { ...a, ...approval } : a)) } : d,
      );
    }
  }
}

function decidedBy(a: ApprovalDto): string {
  const wanted = a.status === 'rejected' ? 'reject' : 'approve';
  const actors = a.decisions.filter((d) => d.decision === wanted).map((d) => d.actor);
  return actors.length ? actors.join(', ') : 'someone else';
}

/** A 409 becomes "Already decided by …", read from the approval itself, whatever the server's wording. */
async function explainConflict(e: ApiError, v: DecideVars): Promise<ApiError> {
  if (e.code !== 'not_pending') return e;
  try {
    const a = await apiFetch<ApprovalDto>(`/approvals/${encodeURIComponent(v.approvalId)}`);
    if (a.status !== 'pending') {
      const text = `Already decided by ${decidedBy(a)} (${a.status}).`;
      return new ApiError(e.status, e.code, text, text);
    }
  } catch {
    // the fixed text for not_pending says enough
  }
  return e;
}

/**
 * `handlesUnauthorized`: the caller explains an ended session itself (the decision dialog keeps
 * the comment), so the console does not jump to sign-in on this mutation's 401.
 */
export function useDecide(me: Me | undefined, opts: { handlesUnauthorized?: boolean } = {}) {
  const qc = useQueryClient();
  return useMutation({
    meta: { handlesUnauthorized: opts.handlesUnauthorized ?? false },
    mutationFn: async (v: DecideVars) => {
      try {
        return await apiFetch<ApprovalDto>(`/approvals/${encodeURIComponent(v.approvalId)}/${v.decision}`, {
          method: 'POST',
          body: {
            ...(v.comment ? { comment: v.comment } : {}),
            ...(v.data ? { data: v.data } : {}),
            ...(v.edits ? { edits: v.edits } : {}),
            ...(v.payloadVersion !== undefined ? { payload_version: v.payloadVersion } : {}),
          },
        });
      } catch (e) {
        if (isApiError(e) && e.status === 409) throw await explainConflict(e, v);
        throw e;
      }
    },
    onMutate: async (v): Promise<{ snapshot: Snapshot }> => {
      await Promise.all([qc.cancelQueries({ queryKey: queryKeys.pausedAll }), qc.cancelQueries({ queryKey: queryKeys.execution(v.executionId) })]);
      const snapshot: Snapshot = [];
      if (!me) return { snapshot };
      for (const [key, page] of qc.getQueriesData<PausedPage>({ queryKey: queryKeys.pausedAll })) {
        const row = page?.executions.find((e) => e.approval?.id === v.approvalId);
        if (!row?.approval) continue;
        snapshot.push({ key, approval: row.approval });
        // Keep the fetch time: live ages count from it, and this data is no fresher than before.
        const updatedAt = qc.getQueryState(key)?.dataUpdatedAt;
        qc.setQueryData<PausedPage>(
          key,
          { ...page!, executions: page!.executions.map((e) => (e === row ? { ...e, approval: applyDecision(row.approval!, me, v) } : e)) },
          { updatedAt },
        );
      }
      const detailKey = queryKeys.execution(v.executionId);
      const detail = qc.getQueryData<ExecutionDetail>(detailKey);
      const a = detail?.approvals.find((x) => x.id === v.approvalId);
      if (detail && a) {
        snapshot.push({ key: detailKey, approval: a });
        qc.setQueryData<ExecutionDetail>(detailKey, { ...detail, approvals: detail.approvals.map((x) => (x === a ? { ...x, ...applyDecision(a, me, v) } : x)) });
      }
      return { snapshot };
    },
    onError: (_e, v, ctx) => {
      if (ctx) restoreApproval(qc, v, ctx.snapshot);
    },
    onSettled: (_d, _e, v) => {
      void qc.invalidateQueries({ queryKey: queryKeys.pausedAll });
      void qc.invalidateQueries({ queryKey: queryKeys.execution(v.executionId) });
      void qc.invalidateQueries({ queryKey: queryKeys.ops });
      void qc.invalidateQueries({ queryKey: queryKeys.approvalsAll });
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Pause, resume, cancel (execution:cancel).

function useExecutionAction<V>(request: (v: V) => Promise<Execution>, executionId: (v: V) => string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: request,
    onSuccess: (_d, v) => {
      void qc.invalidateQueries({ queryKey: queryKeys.execution(executionId(v)) });
      void qc.invalidateQueries({ queryKey: queryKeys.pausedAll });
      void qc.invalidateQueries({ queryKey: queryKeys.executionsAll });
      void qc.invalidateQueries({ queryKey: queryKeys.ops });
    },
  });
}

export function usePauseExecution() {
  return useExecutionAction(
    (v: { id: string; reason?: string }) =>
      apiFetch<Execution>(`/executions/${encodeURIComponent(v.id)}/pause`, { method: 'POST', body: v.reason ? { reason: v.reason } : {} }),
    (v) => v.id,
  );
}

export function useResumeExecution() {
  return useExecutionAction(
    (v: { id: string; resumeData?: JsonObject }) =>
      apiFetch<Execution>(`/executions/${encodeURIComponent(v.id)}/resume`, {
        method: 'POST',
        body: v.resumeData === undefined ? {} : { resume_data: v.resumeData },
      }),
    (v) => v.id,
  );
}

/** POST /executions/{id}/extend: `by` an ISO 8601 duration, or `until` a time. */
export function useExtendExecution() {
  return useExecutionAction(
    (v: { id: string; by?: string; until?: string }) =>
      apiFetch<Execution>(`/executions/${encodeURIComponent(v.id)}/extend`, { method: 'POST', body: v.until ? { until: v.until } : { by: v.by } }),
    (v) => v.id,
  );
}

/** POST /approvals/{id}/reopen: a new pending request for the same step; the execution is paused again. */
export function useReopenApproval() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { executionId: string; approvalId: string; reason?: string }) =>
      apiFetch<unknown>(`/approvals/${encodeURIComponent(v.approvalId)}/reopen`, { method: 'POST', body: v.reason ? { reason: v.reason } : {} }),
    onSuccess: (_d, v) => {
      void qc.invalidateQueries({ queryKey: queryKeys.execution(v.executionId) });
      void qc.invalidateQueries({ queryKey: queryKeys.pausedAll });
      void qc.invalidateQueries({ queryKey: queryKeys.executionsAll });
      void qc.invalidateQueries({ queryKey: queryKeys.ops });
    },
  });
}

export function useCancelExecution() {
  return useExecutionAction(
    (v: { id: string; reason?: string }) =>
      apiFetch<Execution>(`/executions/${encodeURIComponent(v.id)}/cancel`, { method: 'POST', body: v.reason ? { reason: v.reason } : {} }),
    (v) => v.id,
  );
}

// ---------------------------------------------------------------------------------------------
// Who is asked: my decisions, delegation, the outbox (notification:read).

/** `for`: the pending requests I may decide now; `decided`: those I voted on. */
export function useMyApprovals(view: 'for' | 'decided', opts: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: queryKeys.myApprovals(view),
    queryFn: ({ signal }) => apiFetch<ApprovalPage>(withQuery('/approvals', view === 'for' ? { for: 'me', limit: 100 } : { decided_by: 'me', limit: 100 }), { signal }),
    refetchInterval: useFallbackInterval(LIVE_INTERVAL_MS),
    enabled: opts.enabled ?? true,
  });
}

export function useDelegation(opts: { enabled?: boolean } = {}) {
  return useQuery({ queryKey: queryKeys.delegation, queryFn: ({ signal }) => apiFetch<Delegation>('/me/delegation', { signal }), staleTime: 30_000, enabled: opts.enabled ?? true });
}

export function useSetDelegation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { to: string; until: string } | null) =>
      v ? apiFetch<Delegation>('/me/delegation', { method: 'PUT', body: v }) : apiFetch<Delegation>('/me/delegation', { method: 'DELETE' }),
    onSuccess: (d) => {
      qc.setQueryData(queryKeys.delegation, d);
      void qc.invalidateQueries({ queryKey: queryKeys.approvalsAll });
    },
  });
}

export type OutboxFilter = { status?: string; channel?: string; cursor?: string };

/** Deliveries are not announced on the event stream (a message changes state at every attempt): the outbox polls. */
export function useOutbox(f: OutboxFilter) {
  return useQuery({
    queryKey: queryKeys.outbox(f),
    queryFn: ({ signal }) => apiFetch<OutboxPage>(withQuery('/notifications', { limit: 25, status: f.status, channel: f.channel, cursor: f.cursor }), { signal }),
    placeholderData: keepPreviousData,
    refetchInterval: LIVE_INTERVAL_MS,
  });
}
