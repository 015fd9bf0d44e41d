'use client';
import { useEffect, useState, type ReactNode } from 'react';
import type { Step } from '@/lib/core/engine/definition';
import { decisionOutcomes } from '@/lib/core/engine/pause-outcomes';
import { can, checkDecide } from '@/lib/client/access';
import { isApiError } from '@/lib/client/api';
import { formatDateTime, itemRef } from '@/lib/client/format';
import { useExecution, useMe, useOlderEvents } from '@/lib/client/hooks';
import { usePageTitle } from '@/lib/client/page-title';
import { buildTimeline, resumeHistory, stepPath, type TimelineEntry } from '@/lib/client/timeline';
import type { Decision, ExecutionApproval, ExecutionDetail } from '@/lib/client/types';
import { ApprovalNotifications } from './approval-notifications';
import { useDecision, type DecisionItem } from '../inbox/use-decision';
import { JsonView } from '../json-view';
import { PayloadSummary } from '../payload-summary';
import { LiveBadge, TimeAgo } from '../live-age';
import { Button, cx, ErrorState, errorMessage, LoadingRows, Panel, StatusBadge, TextLink } from '../ui';
import { ExtendDialog, ReasonDialog, ReopenDialog, ResumeDialog } from './execution-actions';
import { PauseCard, usePausedStep } from './pause-card';

type Action = 'pause' | 'resume' | 'cancel' | 'extend' | 'reopen' | null;


function Field({ label, children, wide }: { label: string; children: ReactNode; wide?: boolean }) {
  return (
    <div className={cx('min-w-0', wide && 'col-span-2')}>
      <dt className="text-xs text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="mt-0.5 break-words text-sm">{children}</dd>
    </div>
  );
}

/** The execution's pending approval as the decision dialog takes it. */
function decisionItem(e: ExecutionDetail, approval: ExecutionApproval, step: Step | undefined): DecisionItem {
  return {
    target: {
      id: e.id,
      workflow_name: e.workflow_name ?? e.workflow_key ?? e.workflow_id,
      trigger_payload: e.trigger_payload,
      paused_reason: e.paused_reason,
      approval,
      outcomes: decisionOutcomes(step),
    },
    approvalId: approval.id,
    executionId: e.id,
  };
}

export function ExecutionDetailView({ id }: { id: string }) {
  const q = useExecution(id);
  const older = useOlderEvents(id, q.data?.events_next_cursor);
  const me = useMe().data;
  const [action, setAction] = useState<Action>(null);
  const decision = useDecision(me);
  const { step, loading: stepLoading } = usePausedStep({ workflow_id: q.data?.workflow_id ?? '', workflow_key: q.data?.workflow_key, paused_step_id: q.data?.paused_step_id ?? null });
  usePageTitle(q.data ? `${itemRef(q.data.trigger_payload, q.data.id)} · ${q.data.workflow_name ?? q.data.workflow_key ?? 'Execution'}` : null);
  // After signing in again: the decision the ended session interrupted comes back.
  const loaded = !!q.data;
  const { restore } = decision;
  useEffect(() => {
    if (!loaded || !q.data) return;
    const d = q.data;
    restore((approvalId) => {
      const a = d.approvals.find((x) => x.id === approvalId && x.status === 'pending');
      return a && checkDecide(me, a, d).allowed ? decisionItem(d, a, undefined) : null;
    });
    // Only when the data first arrives.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [loaded]);

  if (q.isPending) return <LoadingRows rows={3} label="Loading the execution…" />;
  if (q.isError && !q.data) {
    return (
      <div className="space-y-4">
        <p>
          <TextLink href="/executions">← Executions</TextLink>
        </p>
        <ErrorState
          error={q.error}
          title={isApiError(q.error) && q.error.status === 404 ? 'Execution not found' : 'Could not load the execution'}
          onRetry={() => void q.refetch()}
        />
      </div>
    );
  }
  const detail: ExecutionDetail = q.data!;
  // The newest events come with the detail; older pages join them as they are loaded.
  const newest = new Set(detail.events.map((ev) => ev.id));
  const e: ExecutionDetail = { ...detail, events: [...older.events.filter((ev) => !newest.has(ev.id)), ...detail.events] };
  const canOperate = can(me, 'execution:cancel');
  const pending = e.approvals.find((a) => a.status === 'pending') ?? null;
  const check = pending ? checkDecide(me, pending, e) : null;
  // The approval this pause waits for (pending, or decided and waiting for the worker).
  const pauseApproval =
    e.status === 'paused' && e.pause_kind === 'approval'
      ? (pending ?? [...e.approvals].filter((a) => a.step_id === e.paused_step_id).sort((x, y) => x.created_at.localeCompare(y.created_at)).at(-1) ?? null)
      : null;
  // An approval pause ends by a decision (Approve/Reject, judged like every vote), never by a raw resume.
  const approvalPause = e.status === 'paused' && e.pause_kind === 'approval';
  const canResume = canOperate && e.status === 'paused' && !approvalPause;
  const canCancel = canOperate && (e.status === 'running' || e.status === 'paused');
  const decideButtons = !!(pending && check && !check.hidden);
  const canExtend = canOperate && e.status === 'paused' && !!e.pause_expires_at;
  // The request that ended it (expired or rejected, the newest one): the API checks that nothing ran after it.
  const lastApproval = [...e.approvals].sort((x, y) => x.created_at.localeCompare(y.created_at)).at(-1) ?? null;
  const reopenable =
    can(me, 'approval:decide') && ['rejected', 'expired', 'failed'].includes(e.status) && lastApproval && ['rejected', 'expired'].includes(lastApproval.status)
      ? lastApproval
      : null;
  const readOnly = (e.status === 'running' || e.status === 'paused') && !decideButtons && !canOperate ? 'Read-only' : approvalPause && !decideButtons ? 'Read-only · an approver decides this' : null;
  const timeline = buildTimeline(e);
  const path = stepPath(e);
  const resumes = resumeHistory(e.events);
  const workflowName = e.workflow_name ?? e.workflow_key ?? e.workflow_id;
  const startDecision = (d: Decision) => pending && decision.start(decisionItem(e, pending, step), d);

  return (
    <div className="space-y-5">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <nav aria-label="Breadcrumb" className="text-sm">
          <TextLink href="/executions">Executions</TextLink>
          <span className="mx-1.5 text-slate-600 dark:text-slate-400">/</span>
          <span className="font-mono text-slate-600 dark:text-slate-400">{e.id.slice(0, 8)}</span>
        </nav>
        <LiveBadge testId="execution-live" pollSeconds={3} />
      </div>

      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-3">
            <h1 className="text-xl font-semibold tracking-tight sm:text-2xl">{workflowName}</h1>
            <StatusBadge status={e.status} className="text-sm" testId="execution-status" />
          </div>
          <p className="mt-1 font-mono text-xs break-all text-slate-500 dark:text-slate-400" data-testid="execution-id">
            {e.id}
          </p>
        </div>
        <div className="flex flex-wrap gap-2" data-testid="execution-actions">
          {decideButtons && pending && check ? (
            <>
              <Button variant="approve" disabled={!check.allowed} title={check.allowed ? undefined : check.reason} onClick={() => startDecision('approve')}>
                Approve
              </Button>
              <Button variant="reject" disabled={!check.allowed} title={check.allowed ? undefined : check.reason} onClick={() => startDecision('reject')}>
                Reject
              </Button>
            </>
          ) : null}
          {canOperate && e.status === 'running' ? <Button onClick={() => setAction('pause')}>Pause…</Button> : null}
          {canResume ? (
            <Button variant="primary" onClick={() => setAction('resume')}>
              Resume…
            </Button>
          ) : null}
          {canExtend ? <Button onClick={() => setAction('extend')}>Extend…</Button> : null}
          {reopenable ? (
            <Button variant="primary" onClick={() => setAction('reopen')}>
              Reopen…
            </Button>
          ) : null}
          {readOnly ? (
            <span data-testid="read-only" className="inline-flex items-center self-center rounded-full border border-slate-300 px-2.5 py-0.5 text-xs text-slate-700 dark:border-slate-700 dark:text-slate-300">
              {readOnly}
            </span>
          ) : null}
          {canCancel ? (
            <Button variant="ghost" className="text-rose-700 dark:text-rose-300" onClick={() => setAction('cancel')}>
              Cancel…
            </Button>
          ) : null}
        </div>
      </div>
      {pending && check && !check.allowed && !check.hidden ? (
        <p className="-mt-2 text-sm text-slate-600 dark:text-slate-400" data-testid="disabled-reason">
          {check.reason}
        </p>
      ) : null}
      {q.isError ? (
        <p role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-900 dark:bg-rose-950/50 dark:text-rose-100">
          Live updates paused: {errorMessage(q.error)}
        </p>
      ) : null}

      {e.status === 'paused' ? <PauseCard e={e} dataUpdatedAt={q.dataUpdatedAt} approval={pauseApproval} /> : null}

      <div className="grid grid-cols-1 gap-5 lg:grid-cols-3">
        <div className="space-y-5 lg:col-span-2">
          <Panel title="Path" id="path-title">
            {path.length === 0 ? (
              <p className="text-sm text-slate-600 dark:text-slate-400">No steps have run yet.</p>
            ) : (
              <ol className="flex flex-wrap items-center gap-1.5" data-testid="step-path">
                {path.map((s, i) => (
                  <li key={`${s.id}-${i}`} className="flex items-center gap-1.5">
                    {i > 0 ? (
                      <span aria-hidden="true" className="text-slate-600 dark:text-slate-400">
                        →
                      </span>
                    ) : null}
                    <span
                      className={cx(
                        'rounded-md px-2 py-1 font-mono text-xs ring-1 ring-inset',
                        s.state === 'done' && 'bg-slate-50 text-slate-700 ring-slate-200 dark:bg-slate-800 dark:text-slate-300 dark:ring-slate-700',
                        s.state === 'paused' && 'bg-amber-100 text-amber-900 ring-amber-300 dark:bg-amber-900/40 dark:text-amber-100 dark:ring-amber-700',
                        s.state === 'current' && 'bg-sky-100 text-sky-900 ring-sky-300 dark:bg-sky-900/40 dark:text-sky-100 dark:ring-sky-700',
                      )}
                    >
                      {s.id}
                      {s.state !== 'done' ? <span className="sr-only"> ({s.state})</span> : null}
                    </span>
                  </li>
                ))}
              </ol>
            )}
          </Panel>

          <Panel title="Timeline" id="timeline-title">
            {older.hasMore ? (
              <div className="mb-3">
                <Button variant="ghost" disabled={older.loading} onClick={older.loadMore} data-testid="load-older-events">
                  {older.loading ? 'Loading…' : 'Load older events'}
                </Button>
                {older.error ? <span className="ml-2 text-sm text-rose-700 dark:text-rose-300">{errorMessage(older.error)}</span> : null}
              </div>
            ) : null}
            <Timeline entries={timeline} />
          </Panel>

          <Panel title="Context" id="context-title">
            <div className="space-y-3">
              <JsonView value={e.context} label="context (current)" />
              <details className="group">
                <summary className="cursor-pointer text-sm font-medium text-slate-700 dark:text-slate-300">Trigger payload</summary>
                <JsonView className="mt-2" value={e.trigger_payload} label="trigger_payload" />
              </details>
              {e.resume_data !== null && e.resume_data !== undefined ? <JsonView value={e.resume_data} label="resume_data (last resume)" /> : null}
            </div>
          </Panel>
        </div>

        <div className="space-y-5">
          <Panel title="Details" id="details-title">
            <dl className="grid grid-cols-2 gap-3">
              <Field label="Status">
                <StatusBadge status={e.status} />
              </Field>
              <Field label="Current step">
                <code className="font-mono text-xs">{e.current_step_id ?? '—'}</code>
              </Field>
              <Field label="Started by" wide>
                {e.started_by}
              </Field>
              <Field label="Started" wide>
                {formatDateTime(e.started_at)}
              </Field>
              <Field label="Finished" wide>
                {formatDateTime(e.completed_at)}
              </Field>
              {e.sleeping_until ? (
                <Field label="Sleeping until" wide>
                  {formatDateTime(e.sleeping_until)}
                </Field>
              ) : null}
              <Field label="Resumed">{e.resume_count}×</Field>
              <Field label="Workflow">
                <TextLink href={`/workflows/${encodeURIComponent(e.workflow_key ?? e.workflow_id)}`}>{workflowName}</TextLink>
              </Field>
            </dl>
            {e.error ? (
              <p className="mt-3 rounded-md bg-rose-50 px-3 py-2 text-sm whitespace-pre-wrap break-words text-rose-900 dark:bg-rose-950/40 dark:text-rose-100">
                {e.error}
              </p>
            ) : null}
          </Panel>

          {e.approvals.length ? (
            <Panel title="Approvals" id="approvals-title">
              <ul className="space-y-4">
                {e.approvals.map((a) => (
                  <li key={a.id} className="text-sm">
                    <div className="flex flex-wrap items-center gap-2">
                      <StatusBadge status={a.status} />
                      <span className="font-medium" data-testid="quorum">
                        {a.approvals_received} of {a.required_approvals} approval{a.required_approvals === 1 ? '' : 's'}
                      </span>
                      {a.approver_role ? <span className="text-xs text-slate-600 dark:text-slate-400">role {a.approver_role}</span> : null}
                      <span className="text-xs text-slate-600 dark:text-slate-400" data-testid="approval-payload-version" title={a.payload_hash ?? undefined}>
                        payload version {a.payload_version}
                      </span>
                    </div>
                    <p className="mt-1 whitespace-pre-wrap break-words text-slate-700 dark:text-slate-300">{a.reason}</p>
                    <ApprovalNotifications approval={a} />
                    {a.decisions.length ? (
                      <ul className="mt-2 space-y-1.5 border-l-2 border-slate-200 pl-3 dark:border-slate-700">
                        {a.decisions.map((d) => (
                          <li key={d.actor + d.created_at} data-testid="decision" data-stale={d.stale || undefined} className={d.stale ? 'text-slate-500 dark:text-slate-400' : undefined}>
                            <span className={d.stale ? 'line-through' : d.decision === 'approve' ? 'text-emerald-700 dark:text-emerald-300' : 'text-rose-700 dark:text-rose-300'}>
                              {d.decision === 'approve' ? 'Approved' : 'Rejected'}
                            </span>{' '}
                            {d.stale ? (
                              <span className="rounded bg-slate-200 px-1 text-xs text-slate-800 dark:bg-slate-700 dark:text-slate-100">stale: version {d.payload_version}, not counted</span>
                            ) : null}{' '}
                            by {d.actor}
                            {d.on_behalf_of ? ` for ${d.on_behalf_of}` : ''} · <TimeAgo iso={d.created_at} className="text-slate-600 dark:text-slate-400" />
                            {d.comment ? <p className="mt-0.5 whitespace-pre-wrap break-words text-slate-600 italic dark:text-slate-400">“{d.comment}”</p> : null}
                            {d.data ? <PayloadSummary payload={d.data} limit={6} /> : null}
                          </li>
                        ))}
                      </ul>
                    ) : (
                      <p className="mt-1 text-xs text-slate-600 dark:text-slate-400">No decisions yet.</p>
                    )}
                  </li>
                ))}
              </ul>
            </Panel>
          ) : null}

          <Panel title="Resume history" id="resumes-title">
            {resumes.length === 0 ? (
              <p className="text-sm text-slate-500 dark:text-slate-400">{e.resume_count ? `Resumed ${e.resume_count}×.` : 'Never resumed.'}</p>
            ) : (
              <ol className="space-y-3" data-testid="resume-history">
                {resumes.map((r) => (
                  <li key={r.id} className="text-sm">
                    <div>
                      <span className="font-medium">{r.actor}</span> · <TimeAgo iso={r.created_at} className="text-slate-600 dark:text-slate-400" />
                    </div>
                    <p className="text-xs text-slate-600 dark:text-slate-400">{formatDateTime(r.created_at)}</p>
                    {r.data && Object.keys(r.data).length ? <JsonView className="mt-1.5" value={r.data} label="data" openDepth={1} /> : null}
                  </li>
                ))}
              </ol>
            )}
          </Panel>
        </div>
      </div>

      {action === 'pause' || action === 'cancel' ? <ReasonDialog action={action} execution={e} onClose={() => setAction(null)} /> : null}
      {action === 'resume' ? <ResumeDialog execution={e} step={step} stepLoading={stepLoading} onClose={() => setAction(null)} /> : null}
      {action === 'extend' ? <ExtendDialog execution={e} onClose={() => setAction(null)} /> : null}
      {action === 'reopen' && reopenable ? <ReopenDialog execution={e} approvalId={reopenable.id} onClose={() => setAction(null)} /> : null}
      {decision.dialog}
    </div>
  );
}

const TONE_DOT: Record<TimelineEntry['tone'], string> = {
  neutral: 'bg-slate-400',
  info: 'bg-sky-500',
  good: 'bg-emerald-500',
  bad: 'bg-rose-500',
  pause: 'bg-amber-500',
};

function Timeline({ entries }: { entries: TimelineEntry[] }) {
  if (entries.length === 0) return <p className="text-sm text-slate-600 dark:text-slate-400">Nothing has happened yet.</p>;
  return (
    <ol className="relative space-y-4 border-l border-slate-200 pl-5 dark:border-slate-700" data-testid="timeline">
      {entries.map((t) => (
        <li key={t.key} className="relative" data-kind={t.kind}>
          <span aria-hidden="true" className={cx('absolute top-1.5 -left-[1.62rem] h-2.5 w-2.5 rounded-full ring-4 ring-white dark:ring-slate-900', TONE_DOT[t.tone])} />
          <div className="flex flex-wrap items-baseline gap-x-2">
            <span className="text-sm font-medium">{t.title}</span>
            {t.stepId ? <code className="font-mono text-xs text-slate-600 dark:text-slate-400">{t.stepId}</code> : null}
            <span className="text-xs text-slate-500 dark:text-slate-400">
              by {t.actor ?? '—'} · <time dateTime={t.at}>{formatDateTime(t.at)}</time>
            </span>
          </div>
          {t.note ? <p className="mt-1 whitespace-pre-wrap break-words text-sm text-slate-700 dark:text-slate-300">{t.note}</p> : null}
        </li>
      ))}
    </ol>
  );
}
