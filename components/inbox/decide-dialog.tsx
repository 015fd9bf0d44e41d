'use client';
import { useId, useState, type ReactNode } from 'react';
import type { Outcome } from '@/lib/core/engine/pause-outcomes';
import { itemRef } from '@/lib/client/format';
import type { Decision, InboxApproval, PausedExecution } from '@/lib/client/types';
import { Modal } from '../dialog';
import { PayloadSummary } from '../payload-summary';
import { Button, inputClass } from '../ui';

export const COMMENT_MAX = 1000;

/** What the dialog needs to know about an item: an inbox row, or an execution on its detail page. */
export type DecideTarget = Pick<PausedExecution, 'id' | 'workflow_name' | 'trigger_payload' | 'paused_reason'> & {
  approval: Pick<InboxApproval, 'approvals_received' | 'required_approvals'> | null;
  /** Where each decision leads, when the workflow's definition is at hand. */
  outcomes?: { approve: Outcome; reject: Outcome };
};

export function rowLabel(row: Pick<PausedExecution, 'workflow_name' | 'trigger_payload' | 'id'>): string {
  return `${row.workflow_name} · ${itemRef(row.trigger_payload, row.id)}`;
}

function quorumEffect(row: DecideTarget, decision: Decision): string | null {
  const a = row.approval;
  if (!a) return null;
  if (decision === 'reject') return `A rejection decides it: ${row.outcomes ? `the execution ${row.outcomes.reject.text}` : 'the workflow takes its rejection path'}.`;
  const after = a.approvals_received + 1;
  return after >= a.required_approvals
    ? `This is approval ${after} of ${a.required_approvals}: the execution ${row.outcomes ? row.outcomes.approve.text : 'will continue'}.`
    : `This is approval ${after} of ${a.required_approvals}: ${a.required_approvals - after} more needed.`;
}

/**
 * Confirms one or several decisions, with an optional comment (shown as text on the timeline).
 * The comment box has focus; Ctrl/⌘+Enter confirms. When the session ended while deciding, it
 * says so, keeps the comment and offers to sign in again (`onSignInAgain`) instead of confirming.
 */
export function DecideDialog({
  decision,
  rows,
  onConfirm,
  onClose,
  initialComment = '',
  notice,
  onSignInAgain,
}: {
  decision: Decision;
  rows: DecideTarget[];
  onConfirm: (comment: string) => void;
  onClose: () => void;
  initialComment?: string;
  /** A line above the comment box (e.g. "Signed in again"). */
  notice?: ReactNode;
  /** Set when the session expired: the confirm button becomes "Sign in again". */
  onSignInAgain?: (comment: string) => void;
}) {
  const [comment, setComment] = useState(initialComment);
  const commentId = useId();
  const verb = decision === 'approve' ? 'Approve' : 'Reject';
  const single = rows.length === 1 ? rows[0]! : null;
  const confirm = () => (onSignInAgain ? onSignInAgain(comment) : onConfirm(comment.trim()));

  return (
    <Modal
      open
      onClose={onClose}
      testId="decide-dialog"
      title={single ? `${verb} ${rowLabel(single)}?` : `${verb} ${rows.length} approvals?`}
      description={single ? quorumEffect(single, decision) : 'Each is sent separately; you will see the result for every item.'}
      footer={
        <>
          <span className="mr-auto hidden self-center text-xs text-slate-600 sm:inline dark:text-slate-400">Ctrl+Enter to confirm · Esc to cancel</span>
          <Button onClick={onClose}>Cancel</Button>
          {onSignInAgain ? (
            <Button variant="primary" onClick={confirm} data-testid="sign-in-again">
              Sign in again
            </Button>
          ) : (
            <Button variant={decision === 'approve' ? 'approve' : 'reject'} onClick={confirm} data-testid="confirm-decision">
              {verb}
              {rows.length > 1 ? ` ${rows.length}` : ''}
            </Button>
          )}
        </>
      }
    >
      {single ? (
        <div className="mb-4 space-y-2 rounded-md bg-slate-50 p-3 text-sm dark:bg-slate-800/60">
          <p className="whitespace-pre-wrap break-words">{single.paused_reason ?? 'No reason given'}</p>
          <PayloadSummary payload={single.trigger_payload} limit={6} />
        </div>
      ) : (
        <ul className="mb-4 max-h-40 space-y-1 overflow-y-auto rounded-md bg-slate-50 p-3 text-sm dark:bg-slate-800/60">
          {rows.map((r) => (
            <li key={r.id} className="truncate">
              {rowLabel(r)}
            </li>
          ))}
        </ul>
      )}
      {onSignInAgain ? (
        <p role="alert" data-testid="session-expired" className="mb-3 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm font-medium text-amber-950 dark:border-amber-700 dark:bg-amber-950/50 dark:text-amber-100">
          Your session expired — sign in again. Your comment is kept and this dialog comes back afterwards.
        </p>
      ) : notice ? (
        <p role="status" className="mb-3 rounded-md bg-slate-100 px-3 py-2 text-sm text-slate-800 dark:bg-slate-800 dark:text-slate-200">
          {notice}
        </p>
      ) : null}
      <label htmlFor={commentId} className="block text-sm font-medium text-slate-700 dark:text-slate-300">
        Comment <span className="font-normal text-slate-600 dark:text-slate-400">(optional)</span>
      </label>
      <textarea
        id={commentId}
        autoFocus
        rows={3}
        maxLength={COMMENT_MAX}
        value={comment}
        onChange={(e) => setComment(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            confirm();
          }
        }}
        className={`${inputClass} mt-1.5`}
        placeholder={decision === 'reject' ? 'Why is this rejected?' : 'Anything the team should know?'}
      />
    </Modal>
  );
}
