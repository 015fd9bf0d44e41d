'use client';
import { useId, useState, type ReactNode } from 'react';
import { useCancelExecution, useExtendExecution, usePauseExecution, useReopenApproval, useResumeExecution } from '@/lib/client/hooks';
import { formatDateTime } from '@/lib/client/format';
import type { Execution, JsonObject, WorkflowStep } from '@/lib/client/types';
import { Modal } from '../dialog';
import { useToast } from '../toast';
import { Button, errorMessage, inputClass } from '../ui';
import type { JsonSchemaLike } from '../schema-form';
import { ResumeModal, TypedResumeDialog } from './typed-resume-dialog';

type Validation = { ok: true; value: JsonObject | undefined } | { ok: false; message: string };

/**
 * Mirrors the API's checks, so mistakes show before anything is sent. Only for manual and callback
 * pauses: an approval pause is decided with Approve/Reject, never resumed with raw data.
 */
export function validateResumeData(text: string): Validation {
  if (text.trim() === '') return { ok: true, value: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { ok: false, message: `Not valid JSON: ${(e as Error).message}` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { ok: false, message: 'resume_data must be a JSON object, like {"key": "value"}.' };
  return { ok: true, value: parsed as JsonObject };
}

/** What the reason dialog says and does for each action that takes an optional reason. */
const REASON_ACTIONS = {
  pause: {
    title: 'Pause this execution?',
    description: 'It stops at the next step boundary and waits until someone resumes it.',
    keep: 'Keep running',
    confirm: 'Pause',
    variant: 'primary',
    done: 'Execution paused',
    hint: '(optional, shown to everyone)',
  },
  cancel: {
    title: 'Cancel this execution?',
    description: 'This ends it for good; it cannot be resumed afterwards. Any pending approval closes.',
    keep: 'Keep it',
    confirm: 'Cancel execution',
    variant: 'danger',
    done: 'Execution cancelled',
    hint: '(optional)',
  },
} as const;

/** A confirmation with one labelled field (autofocused) and the request's error under it. */
function ConfirmModal(p: {
  title: string;
  description: ReactNode;
  keep: string;
  confirm: string;
  variant: 'primary' | 'danger';
  testId?: string;
  label: ReactNode;
  busy: boolean;
  error: unknown;
  onConfirm: () => void;
  onClose: () => void;
  field: (id: string) => ReactNode;
}) {
  const id = useId();
  return (
    <Modal
      open
      onClose={p.onClose}
      title={p.title}
      description={p.description}
      footer={
        <>
          <Button onClick={p.onClose}>{p.keep}</Button>
          <Button variant={p.variant} busy={p.busy} data-testid={p.testId} onClick={p.onConfirm}>
            {p.confirm}
          </Button>
        </>
      }
    >
      <label htmlFor={id} className="block text-sm font-medium">
        {p.label}
      </label>
      {p.field(id)}
      {p.error ? (
        <p role="alert" className="mt-3 text-sm text-rose-700 dark:text-rose-300">
          {errorMessage(p.error)}
        </p>
      ) : null}
    </Modal>
  );
}

function ReasonInput({ id, value, onChange }: { id: string; value: string; onChange: (v: string) => void }) {
  return <input id={id} autoFocus maxLength={1000} value={value} onChange={(e) => onChange(e.target.value)} className={`${inputClass} mt-1.5`} />;
}

function reasonLabel(hint: string) {
  return (
    <>
      Reason <span className="font-normal text-slate-600 dark:text-slate-400">{hint}</span>
    </>
  );
}

/** Pause or cancel, with an optional reason. */
export function ReasonDialog({ action, execution, onClose }: { action: keyof typeof REASON_ACTIONS; execution: Execution; onClose: () => void }) {
  const [reason, setReason] = useState('');
  const pause = usePauseExecution();
  const cancel = useCancelExecution();
  const mutation = action === 'pause' ? pause : cancel;
  const text = REASON_ACTIONS[action];
  const toast = useToast();
  return (
    <ConfirmModal
      {...text}
      label={reasonLabel(text.hint)}
      busy={mutation.isPending}
      error={mutation.isError ? mutation.error : null}
      onClose={onClose}
      onConfirm={() =>
        mutation.mutate(
          { id: execution.id, reason: reason.trim() || undefined },
          {
            onSuccess: () => {
              toast.show({ kind: 'success', title: text.done });
              onClose();
            },
          },
        )
      }
      field={(id) => <ReasonInput id={id} value={reason} onChange={setReason} />}
    />
  );
}

/**
 * A pause step with an input_schema resumes through a form (TypedResumeDialog); any other with raw
 * JSON. Until the workflow has loaded it is not known which: the dialog waits rather than offering
 * the JSON box and swapping it for the form under the user's typing.
 */
export function ResumeDialog({ execution, step, stepLoading, onClose }: { execution: Execution; step?: WorkflowStep; stepLoading: boolean; onClose: () => void }) {
  if (stepLoading) {
    return (
      <ResumeModal execution={execution} what="What you enter is" onClose={onClose} onSubmit={() => undefined} busy={false} disabled>
        <p className="text-sm text-slate-600 dark:text-slate-400" role="status">
          Loading the step’s form…
        </p>
      </ResumeModal>
    );
  }
  if (step?.type === 'pause' && step.input_schema) return <TypedResumeDialog execution={execution} schema={step.input_schema as JsonSchemaLike} onClose={onClose} />;
  return <JsonResumeDialog execution={execution} onClose={onClose} />;
}

function JsonResumeDialog({ execution, onClose }: { execution: Execution; onClose: () => void }) {
  const [text, setText] = useState('{\n  \n}');
  const resume = useResumeExecution();
  const toast = useToast();
  const id = useId();
  const helpId = useId();
  const errId = useId();
  const v = validateResumeData(text);
  const submit = () => {
    if (!v.ok) return;
    resume.mutate(
      { id: execution.id, resumeData: v.value },
      {
        onSuccess: () => {
          toast.show({ kind: 'success', title: 'Execution resumed' });
          onClose();
        },
      },
    );
  };
  return (
    <ResumeModal execution={execution} what="The JSON object below is" onClose={onClose} onSubmit={submit} busy={resume.isPending} disabled={!v.ok}>
      <label htmlFor={id} className="block text-sm font-medium">
        resume_data (JSON)
      </label>
      <p id={helpId} className="mt-0.5 text-xs text-slate-500 dark:text-slate-400">
        Optional; leave {'{}'} to resume without data.
      </p>
      <textarea
        id={id}
        autoFocus
        spellCheck={false}
        rows={8}
        value={text}
        onChange={(e) => setText(e.target.value)}
        aria-invalid={!v.ok}
        aria-describedby={`${helpId} ${errId}`}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            submit();
          }
        }}
        className={`${inputClass} mt-1.5 font-mono text-xs ${v.ok ? '' : 'border-rose-400 focus:border-rose-500 focus:ring-rose-500/40'}`}
      />
      <p id={errId} aria-live="polite" className="mt-2 min-h-5 text-sm">
        {v.ok ? <span className="text-emerald-700 dark:text-emerald-300">✓ Valid JSON object</span> : <span className="text-rose-700 dark:text-rose-300">{v.message}</span>}
      </p>
      {resume.isError ? (
        <p role="alert" className="mt-1 text-sm text-rose-700 dark:text-rose-300">
          {errorMessage(resume.error)}
        </p>
      ) : null}
    </ResumeModal>
  );
}


/** How much later the deadline moves; the API bounds it (PAUSE_EXTEND_MAX from the pause). */
export const EXTEND_CHOICES = [
  { by: 'PT1H', label: '1 hour' },
  { by: 'PT24H', label: '24 hours' },
  { by: 'P3D', label: '3 days' },
  { by: 'P7D', label: '7 days' },
] as const;

export function ExtendDialog({ execution, onClose }: { execution: Execution; onClose: () => void }) {
  const [by, setBy] = useState<string>('PT24H');
  const extend = useExtendExecution();
  const toast = useToast();
  return (
    <ConfirmModal
      title="Extend the deadline"
      description={
        execution.pause_expires_at ? (
          <>
            The pause now ends <time dateTime={execution.pause_expires_at}>{formatDateTime(execution.pause_expires_at)}</time>. Move it later
            {execution.pause_kind === 'approval' ? ' (the approval’s timeout moves with it)' : ''}.
          </>
        ) : (
          'Move the pause’s deadline later.'
        )
      }
      keep="Cancel"
      confirm="Extend"
      variant="primary"
      testId="confirm-extend"
      label="Extend by"
      busy={extend.isPending}
      error={extend.isError ? extend.error : null}
      onClose={onClose}
      onConfirm={() =>
        extend.mutate(
          { id: execution.id, by },
          {
            onSuccess: (e) => {
              toast.show({ kind: 'success', title: `Deadline moved to ${e.pause_expires_at ? formatDateTime(e.pause_expires_at) : '—'}` });
              onClose();
            },
          },
        )
      }
      field={(id) => (
        <select id={id} autoFocus value={by} onChange={(e) => setBy(e.target.value)} className={`${inputClass} mt-1.5`}>
          {EXTEND_CHOICES.map((c) => (
            <option key={c.by} value={c.by}>
              {c.label}
            </option>
          ))}
        </select>
      )}
    />
  );
}

export function ReopenDialog({ execution, approvalId, onClose }: { execution: Execution; approvalId: string; onClose: () => void }) {
  const [reason, setReason] = useState('');
  const reopen = useReopenApproval();
  const toast = useToast();
  return (
    <ConfirmModal
      title="Reopen this approval?"
      description="A new request goes to the same people, with a fresh deadline; the execution waits at the same step again. Nothing before it runs again."
      keep="Cancel"
      confirm="Reopen"
      variant="primary"
      testId="confirm-reopen"
      label={reasonLabel('(optional, on the timeline)')}
      busy={reopen.isPending}
      error={reopen.isError ? reopen.error : null}
      onClose={onClose}
      onConfirm={() =>
        reopen.mutate(
          { executionId: execution.id, approvalId, reason: reason.trim() || undefined },
          {
            onSuccess: () => {
              toast.show({ kind: 'success', title: 'Approval reopened' });
              onClose();
            },
          },
        )
      }
      field={(id) => <ReasonInput id={id} value={reason} onChange={setReason} />}
    />
  );
}
