'use client';
/**
 * The page a decision link opens, without signing in. Loading it decides nothing (mail scanners
 * open links): it shows the request and asks; the decision is a POST carrying the link's CSRF token.
 */
import { useCallback, useEffect, useId, useState } from 'react';
import { ApiError, isApiError } from '@/lib/client/api';
import type { DecisionLinkView } from '@/lib/client/types';
import { JsonView } from '../json-view';
import { compactValue, SchemaForm, schemaDefaults, serverFieldError, validateForm, type FormErrors, type FormValue, type JsonSchemaLike } from '../schema-form';
import { Button, Logo, Spinner, StatusBadge, inputClass } from '../ui';

type LinkDecision = { decision: 'approve' | 'reject'; comment: string; csrf: string; data?: FormValue; payloadVersion: number };

async function request(token: string, init?: LinkDecision): Promise<DecisionLinkView> {
  const base = `/api/v1/decision-links/${encodeURIComponent(token)}`;
  const res = await fetch(init ? `${base}/${init.decision}` : base, {
    method: init ? 'POST' : 'GET',
    headers: init ? { 'content-type': 'application/json', 'x-csrf-token': init.csrf, accept: 'application/json' } : { accept: 'application/json' },
    // The payload version the page displayed goes with the decision: a payload edited since is a 409.
    body: init ? JSON.stringify({ ...(init.comment ? { comment: init.comment } : {}), ...(init.data ? { data: init.data } : {}), payload_version: init.payloadVersion }) : undefined,
    cache: 'no-store',
    credentials: 'omit',
  });
  const body = (await res.json().catch(() => null)) as (DecisionLinkView & { error?: { code: string; message: string } }) | null;
  if (!res.ok) throw new ApiError(res.status, body?.error?.code ?? 'http_error', body?.error?.message ?? `The server answered ${res.status}.`);
  return body!;
}

function Frame({ children }: { children: React.ReactNode }) {
  return (
    <main className="mx-auto max-w-2xl px-4 py-10">
      <div className="mb-6 flex items-center gap-2 font-semibold tracking-tight">
        <Logo /> Workflow Resumer
      </div>
      {children}
    </main>
  );
}

export function DecisionLinkPage({ token }: { token: string }) {
  const [view, setView] = useState<DecisionLinkView | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState<'approve' | 'reject' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [data, setData] = useState<FormValue | null>(null);
  const [errors, setErrors] = useState<FormErrors>({});
  const [serverError, setServerError] = useState<string | null>(null);
  const commentId = useId();
  const schema = (view?.approval.input_schema ?? null) as JsonSchemaLike | null;
  const formValue = data ?? schemaDefaults(schema);

  const load = useCallback(() => {
    request(token)
      .then((v) => setView(v))
      .catch((e: unknown) => setError(isApiError(e) ? e : new ApiError(0, 'network', 'Cannot reach the server.')));
  }, [token]);
  useEffect(load, [load]);

  async function decide(decision: 'approve' | 'reject') {
    if (!view?.csrf_token) return;
    let sent: FormValue | undefined;
    if (schema) {
      const filled = compactValue(formValue);
      // An approval fills the form; a rejection need not, but what it fills must be valid.
      if (decision === 'approve' || Object.keys(filled).length > 0) {
        const errs = validateForm(schema, filled, '', undefined, view.approval.editable);
        setErrors(errs);
        if (Object.keys(errs).length) return;
        sent = filled;
      }
    }
    setBusy(decision);
    setNotice(null);
    setServerError(null);
    try {
      setView(await request(token, { decision, comment: comment.trim(), csrf: view.csrf_token, data: sent, payloadVersion: view.approval.payload_version }));
      setNotice(decision === 'approve' ? 'Your approval is recorded.' : 'Your rejection is recorded.');
    } catch (e) {
      if (isApiError(e) && e.code === 'validation_failed') {
        // The schema check refused it: the message inline, the values kept.
        setServerError(e.message);
        setErrors(serverFieldError(e.message, 'data') ?? {});
        return;
      }
      // Closed meanwhile (someone else decided, it expired): show the outcome.
      setNotice(isApiError(e) ? e.message : 'Your decision could not be recorded.');
      load();
    } finally {
      setBusy(null);
    }
  }

  if (error) {
    return (
      <Frame>
        <h1 className="text-xl font-semibold">This link does not work</h1>
        <p className="mt-2 text-slate-600 dark:text-slate-400" data-testid="link-error">
          {error.status === 404 ? 'It is not a valid decision link. Nothing was changed.' : error.message}
        </p>
      </Frame>
    );
  }
  if (!view) {
    return (
      <Frame>
        <div role="status" className="flex items-center gap-2 text-slate-500">
          <Spinner /> Loading the request…
        </div>
      </Frame>
    );
  }
  const a = view.approval;
  return (
    <Frame>
      <h1 className="text-xl font-semibold">
        {a.workflow_name}: {a.reason}
      </h1>
      <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
        For <strong>{view.recipient}</strong>
        {view.on_behalf_of ? <> on behalf of {view.on_behalf_of}</> : null} · requested {new Date(a.created_at).toLocaleString()} by {a.started_by}
        {a.deadline ? <> · deadline {new Date(a.deadline).toLocaleString()}</> : null}
      </p>
      <div className="mt-4 flex items-center gap-2 text-sm">
        <StatusBadge status={a.status} testId="link-status" />
        <span>
          {a.approvals_received} of {a.required_approvals} approvals
        </span>
      </div>
      <section className="mt-6">
        <h2 className="mb-2 text-sm font-semibold">
          Payload <span className="font-normal text-slate-600 dark:text-slate-400">(version {a.payload_version})</span>
        </h2>
        <JsonView value={a.payload} label="Payload" />
      </section>
      <section className="mt-6">
        <h2 className="mb-2 text-sm font-semibold">Decisions so far</h2>
        {a.decisions.length === 0 ? (
          <p className="text-sm text-slate-500">None yet.</p>
        ) : (
          <ul className="space-y-1 text-sm" data-testid="link-decisions">
            {a.decisions.map((d) => (
              <li key={`${d.actor}-${d.created_at}`}>
                <strong>{d.actor}</strong> {d.decision === 'approve' ? 'approved' : 'rejected'}
                {d.stale ? ` (stale: version ${d.payload_version}, not counted)` : ''}
                {d.on_behalf_of ? ` for ${d.on_behalf_of}` : ''}
                {d.comment ? `: “${d.comment}”` : ''}
              </li>
            ))}
          </ul>
        )}
      </section>
      {notice ? (
        <p role="status" className="mt-6 rounded-md bg-indigo-50 px-3 py-2 text-sm text-indigo-900 dark:bg-indigo-950 dark:text-indigo-100">
          {notice}
        </p>
      ) : null}
      <section className="mt-6 rounded-lg border border-slate-200 p-4 dark:border-slate-800">
        <p className="text-sm" data-testid="link-message">
          {view.message}
        </p>
        {view.state === 'open' ? (
          <form
            className="mt-3 space-y-3"
            onSubmit={(e) => {
              e.preventDefault();
            }}
          >
            {schema ? <SchemaForm schema={schema} value={formValue} onChange={setData} errors={errors} exclude={view.approval.editable} legend="Decision input" testId="decision-form" /> : null}
            {serverError ? (
              <p role="alert" data-testid="server-error" className="text-sm text-rose-700 dark:text-rose-300">
                The server refused it: {serverError}
              </p>
            ) : null}
            <label htmlFor={commentId} className="block text-xs font-medium text-slate-600 dark:text-slate-400">
              Comment (optional)
            </label>
            <textarea id={commentId} value={comment} maxLength={2000} onChange={(e) => setComment(e.target.value)} rows={3} className={inputClass} />
            <div className="flex gap-2">
              <Button variant="approve" busy={busy === 'approve'} disabled={busy !== null} onClick={() => void decide('approve')}>
                Approve
              </Button>
              <Button variant="reject" busy={busy === 'reject'} disabled={busy !== null} onClick={() => void decide('reject')}>
                Reject
              </Button>
            </div>
          </form>
        ) : null}
      </section>
    </Frame>
  );
}
