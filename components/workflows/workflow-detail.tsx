'use client';
import { isApiError } from '@/lib/client/api';
import { formatDateTime } from '@/lib/client/format';
import { useWorkflow } from '@/lib/client/hooks';
import { usePageTitle } from '@/lib/client/page-title';
import type { JsonValue, WorkflowStep } from '@/lib/client/types';
import { JsonView } from '../json-view';
import { Card, ErrorState, LoadingRows, PageHeader, TextLink } from '../ui';

const TYPE_STYLE: Record<string, string> = {
  condition: 'bg-sky-100 text-sky-800 dark:bg-sky-900/40 dark:text-sky-200',
  action: 'bg-slate-100 text-slate-800 dark:bg-slate-800 dark:text-slate-200',
  approval: 'bg-violet-100 text-violet-800 dark:bg-violet-900/40 dark:text-violet-200',
  pause: 'bg-amber-100 text-amber-900 dark:bg-amber-900/40 dark:text-amber-200',
  wait: 'bg-teal-100 text-teal-800 dark:bg-teal-900/40 dark:text-teal-200',
};

function describe(step: WorkflowStep): string {
  const s = step as Record<string, JsonValue | undefined>;
  switch (step.type) {
    case 'condition': {
      const c = s.condition as Record<string, JsonValue> | undefined;
      const cond = c && 'field' in c ? `${String(c.field)} ${String(c.operator)} ${JSON.stringify(c.value ?? null)}` : 'compound condition';
      return `if ${cond} → ${String(s.on_true ?? 'end')}, else → ${String(s.on_false ?? 'end')}`;
    }
    case 'action': {
      const a = s.action as Record<string, JsonValue> | undefined;
      const extra = a?.reason ? `: ${String(a.reason)}` : a?.values ? ` ${JSON.stringify(a.values)}` : '';
      return `${String(a?.type ?? 'action')}${extra}${s.next ? ` → ${String(s.next)}` : ''}`;
    }
    case 'approval':
      return `${String(s.reason ?? '')} · ${String(s.required_approvals ?? 1)} approval(s)${s.approver_role ? ` by ${String(s.approver_role)}` : ''} → ${String(s.on_approve ?? s.next ?? 'end')} / rejected → ${String(s.on_reject ?? 'end')}`;
    case 'pause':
      return `${String(s.reason ?? 'waits for a callback')}${s.next ? ` → ${String(s.next)}` : ''}`;
    case 'wait':
      return `sleeps ${String(s.duration)}${s.next ? ` → ${String(s.next)}` : ''}`;
    default:
      return '';
  }
}

export function WorkflowDetail({ idOrKey }: { idOrKey: string }) {
  const q = useWorkflow(idOrKey);
  usePageTitle(q.data?.name);
  if (q.isPending) return <LoadingRows rows={2} label="Loading the workflow…" />;
  if (q.isError)
    return (
      <div className="space-y-4">
        <p>
          <TextLink href="/workflows">← Workflows</TextLink>
        </p>
        <ErrorState error={q.error} title={isApiError(q.error) && q.error.status === 404 ? 'Workflow not found' : 'Could not load the workflow'} onRetry={() => void q.refetch()} />
      </div>
    );
  const w = q.data;
  return (
    <div className="space-y-5">
      <nav aria-label="Breadcrumb" className="text-sm">
        <TextLink href="/workflows">Workflows</TextLink>
        <span className="mx-1.5 text-slate-600 dark:text-slate-400">/</span>
        <span className="font-mono text-slate-600 dark:text-slate-400">{w.key}</span>
      </nav>
      <PageHeader
        title={w.name}
        description={
          <>
            <span className="font-mono">{w.key}</span> · version {w.version} · {w.enabled ? 'enabled' : 'disabled'} · updated {formatDateTime(w.updated_at)}
          </>
        }
        actions={<TextLink href={`/executions?workflow=${encodeURIComponent(w.key)}`}>Its executions →</TextLink>}
      />
      {w.description ? <p className="-mt-3 text-sm text-slate-700 dark:text-slate-300">{w.description}</p> : null}
      <div className="grid grid-cols-1 gap-5 lg:grid-cols-2">
        <Card aria-labelledby="steps-title" className="p-4 sm:p-5">
          <h2 id="steps-title" className="mb-3 text-sm font-semibold tracking-wide text-slate-500 uppercase dark:text-slate-400">
            Steps
          </h2>
          <ol className="space-y-2">
            {w.definition.steps.map((s, i) => (
              <li key={s.id} className="flex gap-3 rounded-md border border-slate-200 p-2.5 dark:border-slate-800">
                <span className="w-5 shrink-0 pt-0.5 text-right text-xs text-slate-600 dark:text-slate-400">{i + 1}</span>
                <div className="min-w-0">
                  <div className="flex flex-wrap items-center gap-2">
                    <code className="font-mono text-sm font-medium">{s.id}</code>
                    <span className={`rounded px-1.5 py-0.5 text-xs ${TYPE_STYLE[s.type] ?? TYPE_STYLE.action}`}>{s.type}</span>
                  </div>
                  <p className="mt-1 text-xs break-words text-slate-600 dark:text-slate-400">{describe(s)}</p>
                </div>
              </li>
            ))}
          </ol>
        </Card>
        <div>
          <JsonView value={w.definition} label="definition" openDepth={3} />
        </div>
      </div>
    </div>
  );
}
