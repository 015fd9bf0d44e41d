'use client';
/** The inbox's "Needs my decision" and "Decided by me" views: GET /approvals?for=me / ?decided_by=me. */
import Link from 'next/link';
import { useState } from 'react';
import { plural } from '@/lib/client/format';
import { LIVE_INTERVAL_MS, useDecide, useMe, useMyApprovals } from '@/lib/client/hooks';
import type { ApprovalDto, Decision } from '@/lib/client/types';
import { LiveBadge, TimeAgo } from '../live-age';
import { PayloadSummary } from '../payload-summary';
import { useToast } from '../toast';
import { Button, Card, EmptyState, ErrorState, LoadingRows, StatusBadge, errorMessage } from '../ui';
import { DecideDialog, rowLabel, type DecideTarget } from './decide-dialog';

function target(a: ApprovalDto): DecideTarget {
  return {
    id: a.execution_id,
    workflow_name: a.workflow_name,
    trigger_payload: a.execution.trigger_payload,
    paused_reason: a.reason,
    approval: { approvals_received: a.approvals_received, required_approvals: a.required_approvals },
  };
}

/** Notification status in one line: "mailed 2 · 1 failed". */
export function DeliverySummary({ notifications }: { notifications: ApprovalDto['notifications'] }) {
  if (notifications.length === 0) return null;
  const sent = notifications.filter((n) => n.status === 'sent').length;
  const failed = notifications.filter((n) => n.status === 'failed').length;
  const pending = notifications.length - sent - failed;
  return (
    <span className="text-xs text-slate-500 dark:text-slate-400" data-testid="delivery-summary">
      {plural(sent, 'message')} sent{pending ? ` · ${pending} pending` : ''}
      {failed ? <span className="text-rose-700 dark:text-rose-300"> · {failed} failed</span> : null}
    </span>
  );
}

export function MyApprovals({ view }: { view: 'for' | 'decided' }) {
  const me = useMe().data;
  const toast = useToast();
  const query = useMyApprovals(view);
  const decide = useDecide(me);
  const [dialog, setDialog] = useState<{ approval: ApprovalDto; decision: Decision } | null>(null);

  if (query.isPending) return <LoadingRows />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  const rows = query.data.approvals;
  // Decisions by others, escalations and delegations reach this list by push, like the paused list.
  const liveLine = (
    <div className="mb-2 flex justify-end">
      <LiveBadge testId="my-approvals-live" pollSeconds={LIVE_INTERVAL_MS / 1000} />
    </div>
  );
  if (rows.length === 0) {
    return (
      <>
        {liveLine}
        {view === 'for' ? (
          <EmptyState title="Nothing needs your decision">Requests assigned to you, your role or someone who delegated to you show here.</EmptyState>
        ) : (
          <EmptyState title="You have not decided anything yet" />
        )}
      </>
    );
  }
  return (
    <>
      {liveLine}
      <ul className="space-y-2" data-testid={view === 'for' ? 'my-approvals' : 'decided-by-me'}>
        {rows.map((a) => (
          <li key={a.id} data-testid="my-approval" data-approval-id={a.id}>
            <Card as="article" className="flex flex-col gap-2 p-3 sm:flex-row sm:items-center sm:justify-between">
              <div className="min-w-0 space-y-1">
                <div className="flex flex-wrap items-center gap-2">
                  <Link href={`/executions/${a.execution_id}`} className="font-medium hover:underline">
                    {rowLabel({ workflow_name: a.workflow_name, trigger_payload: a.execution.trigger_payload, id: a.execution_id })}
                  </Link>
                  <StatusBadge status={a.status} />
                  <span className="text-xs text-slate-500">
                    {a.approvals_received} of {a.required_approvals} approvals
                  </span>
                </div>
                <p className="text-sm text-slate-700 dark:text-slate-300">{a.reason}</p>
                <PayloadSummary payload={a.execution.trigger_payload} />
                <div className="flex flex-wrap gap-x-3 text-xs text-slate-500 dark:text-slate-400">
                  <span>
                    requested <TimeAgo iso={a.created_at} />
                  </span>
                  {a.assigned_to.length ? <span>assigned to {a.assigned_to.join(', ')}</span> : null}
                  {a.escalated_at ? <span className="text-amber-700 dark:text-amber-300">escalated</span> : null}
                  <DeliverySummary notifications={a.notifications} />
                </div>
              </div>
              {view === 'for' ? (
                <div className="flex shrink-0 gap-2">
                  <Button variant="approve" size="touch" onClick={() => setDialog({ approval: a, decision: 'approve' })}>
                    Approve
                  </Button>
                  <Button variant="reject" size="touch" onClick={() => setDialog({ approval: a, decision: 'reject' })}>
                    Reject
                  </Button>
                </div>
              ) : null}
            </Card>
          </li>
        ))}
      </ul>
      {dialog ? (
        <DecideDialog
          decision={dialog.decision}
          rows={[target(dialog.approval)]}
          onClose={() => setDialog(null)}
          onConfirm={(comment) => {
            const { approval, decision } = dialog;
            setDialog(null);
            const label = rowLabel({ workflow_name: approval.workflow_name, trigger_payload: approval.execution.trigger_payload, id: approval.execution_id });
            decide.mutate(
              { approvalId: approval.id, executionId: approval.execution_id, decision, comment: comment || undefined },
              {
                onSuccess: () => toast.show({ kind: 'success', title: `${decision === 'approve' ? 'Approved' : 'Rejected'}: ${label}` }),
                onError: (e) => toast.show({ kind: 'error', title: `Could not ${decision} ${label}`, message: errorMessage(e) }),
              },
            );
          }}
        />
      ) : null}
    </>
  );
}

const VIEWS = [
  { id: 'mine', label: 'Needs my decision' },
  { id: 'all', label: 'All paused' },
  { id: 'decided', label: 'Decided by me' },
] as const;
export type InboxView = (typeof VIEWS)[number]['id'];

/** The inbox's views; "Needs my decision" carries its count. */
export function InboxViews({ view, onChange }: { view: InboxView; onChange: (v: InboxView) => void }) {
  const mine = useMyApprovals('for');
  const count = mine.data ? (mine.data.next_cursor ? `${mine.data.count}+` : String(mine.data.count)) : null;
  return (
    <nav aria-label="Inbox views" className="mb-3 flex gap-0.5 overflow-x-auto whitespace-nowrap border-b sm:mb-4 sm:gap-1 border-slate-200 dark:border-slate-800">
      {VIEWS.map((v) => (
        <button
          key={v.id}
          type="button"
          aria-current={view === v.id ? 'page' : undefined}
          onClick={() => onChange(v.id)}
          className={
            view === v.id
              ? '-mb-px shrink-0 border-b-2 border-indigo-600 px-2 py-2 sm:px-3 text-sm font-medium text-indigo-700 dark:text-indigo-300'
              : '-mb-px shrink-0 border-b-2 border-transparent px-2 py-2 sm:px-3 text-sm text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100'
          }
        >
          {v.label}
          {v.id === 'mine' && count !== null ? (
            <span data-testid="needs-my-decision-count" className="ml-1.5 rounded-full bg-indigo-100 px-1.5 text-xs text-indigo-800 dark:bg-indigo-900 dark:text-indigo-100">
              {count}
            </span>
          ) : null}
        </button>
      ))}
    </nav>
  );
}
