'use client';
import Link from 'next/link';
import { memo, type Ref } from 'react';
import { checkDecide } from '@/lib/client/access';
import { liveAgeSeconds, useNow } from '@/lib/client/clock';
import { DAY_SECONDS, formatAge, secondsSince } from '@/lib/client/format';
import type { Decision, Me, PauseKind, PausedExecution } from '@/lib/client/types';
import { PayloadSummary } from '../payload-summary';
import { Button, cx, focusRing } from '../ui';

const KIND_LABEL: Record<PauseKind, string> = { manual: 'Paused by hand', approval: 'Needs approval', callback: 'Waiting for a callback' };

function Quorum({ received, required }: { received: number; required: number }) {
  const pct = Math.min(100, Math.round((received / Math.max(1, required)) * 100));
  return (
    <span className="inline-flex items-center gap-2 text-xs text-slate-600 dark:text-slate-300">
      <span
        role="progressbar"
        aria-label="Approvals received"
        aria-valuemin={0}
        aria-valuemax={required}
        aria-valuenow={received}
        className="h-1.5 w-14 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-700"
      >
        <span className="block h-full rounded-full bg-emerald-500" style={{ width: `${pct}%` }} />
      </span>
      <span data-testid="quorum">
        {received} of {required} approval{required === 1 ? '' : 's'}
      </span>
    </span>
  );
}

type Props = {
  row: PausedExecution;
  me: Me | undefined;
  dataUpdatedAt: number;
  active: boolean;
  selected: boolean;
  rowRef: Ref<HTMLLIElement>;
  onActivate: () => void;
  /** A link to the detail was followed (so Back can return to this row). */
  onOpen: () => void;
  onToggleSelect: () => void;
  onDecide: (d: Decision) => void;
};

/** A decided approval waits for the worker; a wait longer than this is worth saying so. */
const WORKER_SLOW_AFTER_S = 30;

function DecidedNote({ status, decidedAt, now }: { status: string; decidedAt: string | null | undefined; now: number }) {
  const label = status === 'approved' ? 'Approved' : status === 'rejected' ? 'Rejected' : 'Expired';
  if (status === 'expired') return <span className="font-medium">{label}.</span>;
  const waited = secondsSince(decidedAt ?? null, now);
  return (
    <>
      <span className="font-medium">{label}</span>
      {waited !== null && waited > WORKER_SLOW_AFTER_S ? (
        <>
          {' '}
          {formatAge(waited)} ago; the worker has not resumed it yet.{' '}
          <Link href="/ops" className="underline">
            See Ops
          </Link>
        </>
      ) : (
        ' — resuming now.'
      )}
    </>
  );
}

export const InboxRow = memo(function InboxRow({ row, me, dataUpdatedAt, active, selected, rowRef, onActivate, onOpen, onToggleSelect, onDecide }: Props) {
  const now = useNow();
  const age = liveAgeSeconds(row.age_seconds, dataUpdatedAt, now);
  const old = age > DAY_SECONDS;
  const a = row.approval;
  const check = a ? checkDecide(me, a, row) : null;
  const decided = a && a.status !== 'pending';
  const headingId = `row-${row.id}-title`;
  const reasonId = `row-${row.id}-why`;

  return (
    <li
      ref={rowRef}
      tabIndex={active ? 0 : -1}
      onFocus={onActivate}
      aria-labelledby={headingId}
      data-testid="inbox-row"
      data-execution-id={row.id}
      data-active={active || undefined}
      className={cx(
        'group relative grid grid-cols-[auto_1fr] gap-x-3 gap-y-3 border-l-4 px-3 py-3.5 sm:px-4 lg:grid-cols-[auto_minmax(0,1fr)_8rem_15rem]',
        'outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-indigo-500',
        old ? 'border-l-amber-500 bg-amber-50/70 dark:bg-amber-950/20' : 'border-l-transparent',
        'focus:bg-indigo-50/80 dark:focus:bg-indigo-950/30',
        decided && !old && 'bg-slate-50 dark:bg-slate-900/60',
      )}
    >
      <div className="pt-0.5">
        {check?.allowed ? (
          <input
            type="checkbox"
            checked={selected}
            onChange={onToggleSelect}
            aria-label={`Select ${row.workflow_name} ${row.id.slice(0, 8)}`}
            className={cx('h-6 w-6 rounded border-slate-300 accent-indigo-600 sm:h-4 sm:w-4', focusRing)}
          />
        ) : (
          <span className="block h-4 w-4" aria-hidden="true" />
        )}
      </div>

      <div className="min-w-0 space-y-1.5">
        <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
          <h2 id={headingId} className="min-w-0 text-sm font-semibold">
            <Link href={`/executions/${row.id}`} prefetch={false} onClick={onOpen} className={cx('inline-flex min-h-6 items-center rounded-sm hover:underline', focusRing)}>
              {row.workflow_name}
            </Link>
          </h2>
          <span className="font-mono text-xs text-slate-600 dark:text-slate-400">{row.id.slice(0, 8)}</span>
          <span
            className={cx(
              'rounded-full px-2 py-0.5 text-xs font-medium',
              row.pause_kind === 'approval'
                ? 'bg-violet-100 text-violet-800 dark:bg-violet-900/50 dark:text-violet-200'
                : 'bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300',
            )}
          >
            {row.pause_kind ? KIND_LABEL[row.pause_kind] : 'Paused'}
          </span>
          {a ? <Quorum received={a.approvals_received} required={a.required_approvals} /> : null}
          {/* Below lg the age column moves up here, so it is seen first on a phone. */}
          <span className={cx('text-xs font-semibold tabular-nums lg:hidden', old ? 'text-amber-700 dark:text-amber-300' : 'text-slate-700 dark:text-slate-300')}>
            {formatAge(age)}
            {old ? ' · over 24 h' : ''}
          </span>
        </div>
        <p data-testid="reason" className="whitespace-pre-wrap break-words text-sm text-slate-800 dark:text-slate-200">
          {row.paused_reason ?? 'No reason given'}
        </p>
        <p className="flex flex-wrap gap-x-3 gap-y-0.5 text-xs text-slate-600 dark:text-slate-400">
          <span>
            step <code className="font-mono text-slate-700 dark:text-slate-300">{row.paused_step_id ?? '—'}</code>
          </span>
          <span>resumed {row.resume_count}×</span>
          <span>started by {row.started_by}</span>
          {row.paused_by && row.paused_by !== row.started_by ? <span>paused by {row.paused_by}</span> : null}
          {a?.approver_role ? <span>needs role {a.approver_role}</span> : null}
        </p>
        <PayloadSummary payload={row.trigger_payload} />
      </div>

      <div className="hidden lg:flex lg:flex-col lg:items-end lg:gap-1">
        <span className="sr-only">Paused for </span>
        <span data-testid="age" className={cx('text-sm font-semibold tabular-nums', old ? 'text-amber-700 dark:text-amber-300' : 'text-slate-800 dark:text-slate-200')}>
          {formatAge(age)}
        </span>
        {old ? (
          <span className="rounded-full bg-amber-200 px-1.5 py-0.5 text-[11px] font-semibold whitespace-nowrap text-amber-950 dark:bg-amber-800 dark:text-amber-50">
            over 24 h
          </span>
        ) : (
          <span className="text-xs text-slate-600 dark:text-slate-400">paused</span>
        )}
      </div>

      <div className="col-start-2 lg:col-start-auto">
        {a && check && !check.hidden ? (
          decided ? (
            <p className="text-sm text-slate-700 lg:text-right dark:text-slate-300" data-testid="decided-note">
              <DecidedNote status={a.status} decidedAt={row.decided_at} now={now} />
            </p>
          ) : (
            <div className="flex flex-col gap-1.5 lg:items-end">
              <div className="flex gap-2">
                {(['approve', 'reject'] as const).map((d) => (
                  <Button key={d} size="touch" variant={d} disabled={!check.allowed} aria-describedby={!check.allowed ? reasonId : undefined} onClick={() => onDecide(d)}>
                    {d === 'approve' ? 'Approve' : 'Reject'}
                  </Button>
                ))}
              </div>
              {!check.allowed ? (
                <p id={reasonId} data-testid="disabled-reason" className="max-w-60 text-xs text-slate-600 lg:text-right dark:text-slate-400">
                  {check.reason}
                </p>
              ) : null}
            </div>
          )
        ) : (
          <div className="flex flex-wrap items-center gap-x-3 gap-y-1 lg:flex-col lg:items-end">
            {a && check?.hidden ? (
              <span data-testid="row-read-only" className="rounded-full border border-slate-300 px-2 py-0.5 text-xs text-slate-700 dark:border-slate-700 dark:text-slate-300">
                Read-only
              </span>
            ) : null}
            <Link
              href={`/executions/${row.id}`}
              prefetch={false}
              onClick={onOpen}
              className={cx('inline-flex min-h-6 items-center text-sm font-medium text-indigo-700 hover:underline dark:text-indigo-300', focusRing, 'rounded-sm')}
            >
              Open details →
            </Link>
          </div>
        )}
      </div>
    </li>
  );
});
