'use client';
import type { Step } from '@/lib/core/engine/definition';
import { decisionOutcomes, timeoutOutcome } from '@/lib/core/engine/pause-outcomes';
import { formatDateTime, formatZoned } from '@/lib/client/format';
import { useWorkflow } from '@/lib/client/hooks';
import type { ExecutionApproval, ExecutionDetail } from '@/lib/client/types';
import { LiveAge } from '../live-age';

/** The definition's step an execution is paused at, once the workflow has loaded (`loading` until then). */
export function usePausedStep(e: Pick<ExecutionDetail, 'workflow_id' | 'workflow_key' | 'paused_step_id'>): { step: Step | undefined; loading: boolean } {
  const wf = useWorkflow(e.workflow_key ?? e.workflow_id);
  return { step: wf.data?.definition.steps.find((s) => s.id === e.paused_step_id) as Step | undefined, loading: wf.isLoading };
}

const KIND_TITLE: Record<string, string> = { approval: 'for approval', callback: 'for a callback' };

/**
 * Why it is paused and where it goes from here. For an approval pause: where each decision leads
 * (never just "continues at" the approve branch), and once the decision is in, the one that applies.
 */
export function PauseCard({ e, dataUpdatedAt, approval }: { e: ExecutionDetail; dataUpdatedAt: number; approval: ExecutionApproval | null }) {
  const { step } = usePausedStep(e);
  const isApproval = e.pause_kind === 'approval';
  const outcomes = isApproval ? decisionOutcomes(step) : null;
  const decided = approval && approval.status !== 'pending' ? approval.status : null;
  const timeout = timeoutOutcome(step, e.pause_kind);
  return (
    <div className="rounded-lg border border-amber-300 bg-amber-50 p-4 dark:border-amber-800 dark:bg-amber-950/30" data-testid="pause-card">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 className="font-semibold text-amber-950 dark:text-amber-100">
          Paused {KIND_TITLE[e.pause_kind ?? ''] ?? 'by hand'} at step <code className="font-mono">{e.paused_step_id ?? '—'}</code>
        </h2>
        <span className="text-sm text-amber-900 dark:text-amber-200">
          for{' '}
          <strong>
            <LiveAge ageSeconds={e.paused_at ? Math.max(0, (dataUpdatedAt - new Date(e.paused_at).getTime()) / 1000) : 0} dataUpdatedAt={dataUpdatedAt} />
          </strong>
        </span>
      </div>
      <p className="mt-2 whitespace-pre-wrap break-words text-sm text-amber-950 dark:text-amber-50" data-testid="pause-reason">
        {e.paused_reason ?? 'No reason given'}
      </p>
      {outcomes ? (
        decided === 'approved' || decided === 'rejected' ? (
          <p className="mt-2 text-sm font-medium text-amber-950 dark:text-amber-50" data-testid="pause-outcome">
            {decided === 'approved' ? 'Approved' : 'Rejected'}: it {outcomes[decided === 'approved' ? 'approve' : 'reject'].text} as soon as the worker resumes it.
          </p>
        ) : (
          <ul className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-sm text-amber-950 dark:text-amber-50" data-testid="pause-outcomes">
            <li>
              <span className="font-medium">On approve</span> → {outcomes.approve.next ? <code className="font-mono">{outcomes.approve.next}</code> : outcomes.approve.text}
            </li>
            <li>
              <span className="font-medium">On reject</span> → {outcomes.reject.next ? <code className="font-mono">{outcomes.reject.next}</code> : outcomes.reject.text}
            </li>
          </ul>
        )
      ) : null}
      <p className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-amber-950 dark:text-amber-100">
        <span>paused by {e.paused_by ?? '—'}</span>
        {!isApproval ? <span>a resume continues at {e.next_step_id ?? 'the end (it completes)'}</span> : null}
        {e.pause_expires_at ? (
          <span data-testid="pause-deadline">
            deadline <time dateTime={e.pause_expires_at} title={formatZoned(e.pause_expires_at)}>{formatDateTime(e.pause_expires_at)}</time>: then it {timeout.text}
          </span>
        ) : null}
      </p>
    </div>
  );
}
