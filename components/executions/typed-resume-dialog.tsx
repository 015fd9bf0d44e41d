'use client';
/**
 * Resuming a pause step that declares an `input_schema`: the resume_data is a form rendered from the
 * schema (components/schema-form.tsx) instead of raw JSON; the server's 422 shows inline too.
 */
import { useState, type ReactNode } from 'react';
import { isApiError } from '@/lib/client/api';
import { useResumeExecution } from '@/lib/client/hooks';
import type { Execution } from '@/lib/client/types';
import { Modal } from '../dialog';
import { compactValue, SchemaForm, schemaDefaults, serverFieldError, validateForm, type FormErrors, type FormValue, type JsonSchemaLike } from '../schema-form';
import { useToast } from '../toast';
import { Button, errorMessage } from '../ui';

/** The frame of both resume dialogs: where the execution continues, what is merged into its context, Cancel and Resume. */
export function ResumeModal({
  execution,
  what,
  onClose,
  onSubmit,
  busy,
  disabled,
  children,
}: {
  execution: Execution;
  what: string;
  onClose: () => void;
  onSubmit: () => void;
  busy: boolean;
  disabled?: boolean;
  children: ReactNode;
}) {
  return (
    <Modal
      open
      onClose={onClose}
      title="Resume this execution"
      description={
        <>
          It continues at <code className="font-mono">{execution.next_step_id ?? 'the next step'}</code>. {what} merged into its context as{' '}
          <code className="font-mono">resume_data</code>.
        </>
      }
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" disabled={disabled} busy={busy} onClick={onSubmit} data-testid="confirm-resume">
            Resume
          </Button>
        </>
      }
    >
      {children}
    </Modal>
  );
}

export function TypedResumeDialog({ execution, schema, onClose }: { execution: Execution; schema: JsonSchemaLike; onClose: () => void }) {
  const [value, setValue] = useState<FormValue>(() => schemaDefaults(schema));
  const [errors, setErrors] = useState<FormErrors>({});
  const resume = useResumeExecution();
  const toast = useToast();
  const serverMessage = resume.isError && isApiError(resume.error) && resume.error.code === 'validation_failed' ? resume.error.message : null;
  const submit = () => {
    const data = compactValue(value);
    const errs = validateForm(schema, data);
    setErrors(errs);
    if (Object.keys(errs).length) return;
    resume.mutate(
      { id: execution.id, resumeData: data },
      {
        onSuccess: () => {
          toast.show({ kind: 'success', title: 'Execution resumed' });
          onClose();
        },
        onError: (e) => {
          if (isApiError(e) && e.code === 'validation_failed') setErrors(serverFieldError(e.message, 'resume_data') ?? {});
        },
      },
    );
  };
  return (
    <ResumeModal execution={execution} what="The values below are" onClose={onClose} onSubmit={submit} busy={resume.isPending}>
      <SchemaForm schema={schema} value={value} onChange={setValue} errors={errors} legend="resume_data" testId="resume-form" />
      {resume.isError ? (
        <p role="alert" className="mt-3 text-sm text-rose-700 dark:text-rose-300" data-testid="server-error">
          {serverMessage ? `The server refused it: ${serverMessage}` : errorMessage(resume.error)}
        </p>
      ) : null}
    </ResumeModal>
  );
}
