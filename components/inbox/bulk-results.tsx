'use client';
import { Button, Card, Spinner } from '../ui';

export type BulkResult = { id: string; label: string; state: 'pending' | 'ok' | 'error'; message?: string };
export type BulkRun = { decision: 'approve' | 'reject'; running: boolean; results: BulkResult[] };

/** One line per item of a bulk decision: done, failed (and why), or still going. */
export function BulkResults({ run, onDismiss }: { run: BulkRun; onDismiss: () => void }) {
  const ok = run.results.filter((r) => r.state === 'ok').length;
  const failed = run.results.filter((r) => r.state === 'error').length;
  const verb = run.decision === 'approve' ? 'approved' : 'rejected';
  return (
    <Card as="div" className="mb-3 p-4" aria-labelledby="bulk-title">
      <div className="flex items-start justify-between gap-3">
        <h2 id="bulk-title" className="text-sm font-semibold" aria-live="polite" data-testid="bulk-summary">
          {run.running ? (
            <span className="inline-flex items-center gap-2">
              <Spinner className="h-3.5 w-3.5" /> Sending {run.results.length} decisions…
            </span>
          ) : (
            `${ok} ${verb}${failed ? `, ${failed} failed` : ''}`
          )}
        </h2>
        {!run.running ? (
          <Button size="sm" variant="ghost" onClick={onDismiss}>
            Dismiss
          </Button>
        ) : null}
      </div>
      <ul className="mt-2 space-y-1 text-sm" data-testid="bulk-results">
        {run.results.map((r) => (
          <li key={r.id} className="flex gap-2" data-state={r.state}>
            <span aria-hidden="true" className={r.state === 'ok' ? 'text-emerald-600' : r.state === 'error' ? 'text-rose-600' : 'text-slate-400'}>
              {r.state === 'ok' ? '✓' : r.state === 'error' ? '✗' : '…'}
            </span>
            <span className="min-w-0">
              <span className="font-medium">{r.label}</span>
              <span className="text-slate-600 dark:text-slate-400">
                {' — '}
                {r.state === 'ok' ? verb : r.state === 'error' ? r.message : 'waiting'}
              </span>
            </span>
          </li>
        ))}
      </ul>
    </Card>
  );
}
