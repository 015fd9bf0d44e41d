'use client';
import { useId, useState, type ReactNode } from 'react';
import type { Outcome } from '@/lib/core/engine/pause-outcomes';
import { itemRef } from '@/lib/client/format';
import { useExecution } from '@/lib/client/hooks';
import type { Decision, InboxApproval, PausedExecution } from '@/lib/client/types';
import { Modal } from '../dialog';
import { PayloadSummary } from '../payload-summary';
import { compactValue, SchemaForm, schemaDefaults, serverFieldError, validateForm, type FormErrors, type FormValue, type JsonSchemaLike } from '../schema-form';
import { Button, inputClass } from '../ui';

export const COMMENT_MAX = 1000;

/** What the dialog needs to know about an item: an inbox row, or an execution on its detail page. */
export type DecideTarget = Pick<PausedExecution, 'id' | 'workflow_name' | 'trigger_payload' | 'paused_reason'> & {
  approval: (Pick<InboxApproval, 'approvals_received' | 'required_approvals'> & Partial<Pick<InboxApproval, 'payload_version' | 'input_schema' | 'editable'>>) | null;
  /** Where each decision leads, when the workflow's definition is at hand. */
  outcomes?: { approve: Outcome; reject: Outcome };
};

export function rowLabel(row: Pick<PausedExecution, 'workflow_name' | 'trigger_payload' | 'id'>): string {
  return `${row.workflow_name} · ${itemRef(row.trigger_payload, row.id)}`;
}

/** What a confirmed decision carries besides the comment: the form's data, and edits when approving with edits. */
export type DecisionExtra = { data?: FormValue; edits?: FormValue };

/** A 422 from the server, shown inline: the whole message, and at the field it names. */
export type ServerFormError = { message: string };

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
  initialExtra,
  serverError,
}: {
  decision: Decision;
  rows: DecideTarget[];
  onConfirm: (comment: string, extra?: DecisionExtra) => void;
  onClose: () => void;
  initialComment?: string;
  /** The form's values and edits kept from a refused attempt. */
  initialExtra?: DecisionExtra;
  /** The server refused the last attempt (422): its message, inline. */
  serverError?: ServerFormError | null;
  /** A line above the comment box (e.g. "Signed in again"). */
  notice?: ReactNode;
  /** Set when the session expired: the confirm button becomes "Sign in again". */
  onSignInAgain?: (comment: string) => void;
}) {
  const [comment, setComment] = useState(initialComment);
  const commentId = useId();
  const single = rows.length === 1 ? rows[0]! : null;
  const schema = (single?.approval?.input_schema ?? null) as JsonSchemaLike | null;
  const allEditable = single?.approval?.editable ?? [];
  const editable = decision === 'approve' ? allEditable : [];
  const [data, setData] = useState<FormValue>(() => initialExtra?.data ?? schemaDefaults(schema));
  const [editing, setEditing] = useState(!!initialExtra?.edits);
  const [edits, setEdits] = useState<FormValue | null>(initialExtra?.edits ?? null);
  const [dataErrors, setDataErrors] = useState<FormErrors>(() => (serverError ? (serverFieldError(serverError.message, 'data') ?? {}) : {}));
  const [editErrors, setEditErrors] = useState<FormErrors>(() => (serverError ? (serverFieldError(serverError.message, 'edits') ?? {}) : {}));
  // The current values of the editable fields: the execution's context (its data as it stands now).
  const current = useExecution(editable.length > 0 ? single?.id : undefined).data?.context;
  const editValues = edits ?? Object.fromEntries(editable.map((k) => [k, current?.[k]]));
  const verb = decision === 'approve' ? (editing ? 'Approve with edits' : 'Approve') : 'Reject';
  const version = single?.approval?.payload_version;

  const confirm = () => {
    if (onSignInAgain) return onSignInAgain(comment);
    const extra: DecisionExtra = {};
    if (schema) {
      const filled = compactValue(data);
      // An approval fills the form; a rejection need not, but what it fills must be valid.
      if (decision === 'approve' || Object.keys(filled).length > 0) {
        const errs = validateForm(schema, filled, '', undefined, allEditable);
        setDataErrors(errs);
        if (Object.keys(errs).length) return;
        extra.data = filled;
      }
    }
    if (editing) {
      const changed = Object.fromEntries(Object.entries(editValues).filter(([k, v]) => v !== undefined && JSON.stringify(v) !== JSON.stringify(current?.[k])));
      const errs = validateForm(schema, changed, '', editable);
      setEditErrors(errs);
      if (Object.keys(errs).length) return;
      extra.edits = changed;
    }
    onConfirm(comment.trim(), extra);
  };

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
          {version !== undefined ? (
            <p className="text-xs text-slate-600 dark:text-slate-400" data-testid="payload-version">
              Payload version {version}
            </p>
          ) : null}
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
      {serverError ? (
        <p role="alert" data-testid="server-error" className="mb-3 rounded-md border border-rose-300 bg-rose-50 px-3 py-2 text-sm text-rose-900 dark:border-rose-800 dark:bg-rose-950/50 dark:text-rose-100">
          The server refused it: {serverError.message}
        </p>
      ) : null}
      {schema ? (
        <div className="mb-4">
          <SchemaForm schema={schema} value={data} onChange={setData} errors={dataErrors} exclude={allEditable} legend="Decision input" testId="decision-form" />
        </div>
      ) : null}
      {editable.length > 0 ? (
        <div className="mb-4">
          <Button size="sm" aria-pressed={editing} onClick={() => setEditing(!editing)} data-testid="toggle-edits">
            {editing ? 'Approve without edits' : 'Approve with edits…'}
          </Button>
          {editing ? (
            <div className="mt-3 rounded-md border border-amber-300 p-3 dark:border-amber-700">
              <p className="mb-2 text-xs text-slate-600 dark:text-slate-400">
                Your edits make payload version {(version ?? 1) + 1}; your approval counts for it, and everyone else must approve it again.
              </p>
              <SchemaForm schema={schema ?? {}} value={editValues} onChange={setEdits} errors={editErrors} only={editable} legend="Edits" testId="edits-form" />
            </div>
          ) : null}
        </div>
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
