'use client';
import { useId, useState } from 'react';
import type { Decision, InboxApproval, PausedExecution } from '@/lib/client/types';
import { Modal } from '../dialog';
import { PayloadSummary } from '../payload-summary';
import { Button, inputClass } from '../ui';

export const COMMENT_MAX = 1000;

/** What the dialog needs to know about an item: an inbox row, or an execution on its detail page. */
export type DecideTarget = Pick<PausedExecution, 'id' | 'workflow_name' | 'trigger_payload' | 'paused_reason'> & {
  approval: Pick<InboxApproval, 'approvals_received' | 'required_approvals'> | null;
};

export function rowLabel(row: Pick<PausedExecution, 'workflow_name' | 'trigger_payload' | 'id'>): string {
  const p = row.trigger_payload ?? {};
  const firstId = Object.entries(p).find(([k, v]) => typeof v === 'string' && /(^id$|_id$|number|ref)/i.test(k))?.[1];
  return `${row.workflow_name} · ${typeof firstId === 'string' ? firstId : row.id.slice(0, 8)}`;
}

function quorumEffect(row: DecideTarget, decision: Decision): string | null {
  const a = row.approval;
  if (!a) return null;
  if (decision === 'reject') return 'A rejection decides it: the workflow takes its rejection path.';
  const after = a.approvals_received + 1;
  return after >= a.required_approvals
    ? `This is approval ${after} of ${a.required_approvals}: the execution will continue.`
    : `This is approval ${after} of ${a.required_approvals}: ${a.required_approvals - after} more needed.`;
}

/**
 * Confirms one or several decisions, with an optional comment (shown as text on the timeline).
 * The comment box has focus; Ctrl/⌘+Enter confirms.
 */
export function DecideDialog({
  decision,
  rows,
  onConfirm,
  onClose,
}: {
  decision: Decision;
  rows: DecideTarget[];
  onConfirm: (comment: string) => void;
  onClose: () => void;
}) {
  const [comment, setComment] = useState('');
  const commentId = useId();
  const verb = decision === 'approve' ? 'Approve' : 'Reject';
  const single = rows.length === 1 ? rows[0]! : null;
  const confirm = () => onConfirm(comment.trim());

  return (
    <Modal
      open
      onClose={onClose}
      testId="decide-dialog"
      title={single ? `${verb} ${rowLabel(single)}?` : `${verb} ${rows.length} approvals?`}
      description={single ? quorumEffect(single, decision) : 'Each is sent separately; you will see the result for every item.'}
      footer={
        <>
          <span className="mr-auto hidden self-center text-xs text-slate-500 sm:inline dark:text-slate-400">Ctrl+Enter to confirm · Esc to cancel</span>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant={decision === 'approve' ? 'approve' : 'reject'} onClick={confirm} data-testid="confirm-decision">
            {verb}
            {rows.length > 1 ? ` ${rows.length}` : ''}
          </Button>
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
      <label htmlFor={commentId} className="block text-sm font-medium text-slate-700 dark:text-slate-300">
        Comment <span className="font-normal text-slate-500">(optional)</span>
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
