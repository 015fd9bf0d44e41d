'use client';
import { useEffect, useId, useState } from 'react';
import { useWorkflows } from '@/lib/client/hooks';
import { Button, Card, cx, inputClass } from '../ui';

export type InboxFilterValues = { workflow: string; reason: string; over: string };

/**
 * Workflow and reason filters. On a phone they fold away behind a "Filters" button (the first row
 * must be visible without scrolling past them); from sm up they are always shown.
 */
export function InboxFilters({ values, onChange }: { values: InboxFilterValues; onChange: (next: Partial<InboxFilterValues>) => void }) {
  const workflows = useWorkflows();
  const [reasonInput, setReasonInput] = useState(values.reason);
  const [open, setOpen] = useState(false);
  const ids = { reason: useId(), workflow: useId(), panel: useId() };
  const active = [values.workflow, values.reason, values.over].filter(Boolean).length;

  // Typing in the reason box filters after a short pause, not on every key.
  useEffect(() => {
    if (reasonInput.trim() === values.reason) return;
    const t = setTimeout(() => onChange({ reason: reasonInput.trim() }), 300);
    return () => clearTimeout(t);
  }, [reasonInput, values.reason, onChange]);

  return (
    <Card as="div" className="mb-4 p-3 sm:p-4">
      <div className="flex items-center justify-between gap-2 sm:hidden">
        <Button size="sm" variant="ghost" aria-expanded={open} aria-controls={ids.panel} onClick={() => setOpen((o) => !o)}>
          <span aria-hidden="true">{open ? '▾' : '▸'}</span> Filters{active ? ` (${active} on)` : ''}
        </Button>
        {active ? (
          <Button
            size="sm"
            variant="ghost"
            onClick={() => {
              setReasonInput('');
              onChange({ workflow: '', reason: '', over: '' });
            }}
          >
            Clear filters
          </Button>
        ) : null}
      </div>
      <form
        id={ids.panel}
        role="search"
        aria-label="Filter the inbox"
        className={cx(
          'grid-cols-1 gap-3 sm:grid sm:grid-cols-[minmax(0,16rem)_minmax(0,1fr)_auto] sm:items-end',
          open ? 'mt-3 grid sm:mt-0' : 'hidden',
        )}
        onSubmit={(e) => {
          e.preventDefault();
          onChange({ reason: reasonInput.trim() });
        }}
      >
        <div className="space-y-1">
          <label htmlFor={ids.workflow} className="block text-xs font-medium text-slate-700 dark:text-slate-300">
            Workflow
          </label>
          <select id={ids.workflow} value={values.workflow} onChange={(e) => onChange({ workflow: e.target.value })} className={inputClass}>
            <option value="">All workflows</option>
            {workflows.data?.workflows.map((w) => (
              <option key={w.id} value={w.key}>
                {w.name}
              </option>
            ))}
            {values.workflow && workflows.data && !workflows.data.workflows.some((w) => w.key === values.workflow || w.id === values.workflow) ? (
              <option value={values.workflow}>{values.workflow}</option>
            ) : null}
          </select>
        </div>
        <div className="space-y-1">
          <label htmlFor={ids.reason} className="block text-xs font-medium text-slate-700 dark:text-slate-300">
            Reason contains
          </label>
          <input
            id={ids.reason}
            type="search"
            value={reasonInput}
            onChange={(e) => setReasonInput(e.target.value)}
            placeholder="e.g. manager approval"
            className={inputClass}
          />
        </div>
        <Button
          variant="ghost"
          className="hidden sm:inline-flex"
          disabled={!active && !reasonInput}
          onClick={() => {
            setReasonInput('');
            onChange({ workflow: '', reason: '', over: '' });
          }}
        >
          Clear filters
        </Button>
      </form>
    </Card>
  );
}
