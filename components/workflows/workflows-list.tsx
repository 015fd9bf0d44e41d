'use client';
import Link from 'next/link';
import { can } from '@/lib/client/access';
import { plural } from '@/lib/client/format';
import { useMe, useWorkflows } from '@/lib/client/hooks';
import { Card, cx, EmptyState, ErrorState, focusRing, LoadingRows, NoAccess, PageHeader } from '../ui';

export function WorkflowsList() {
  const me = useMe().data;
  const q = useWorkflows();
  if (me && !can(me, 'workflow:read')) return <NoAccess permission="workflow:read" />;
  return (
    <div>
      <PageHeader title="Workflows" description="The definitions executions run. Create them with POST /api/v1/workflows." />
      {q.isPending ? (
        <LoadingRows rows={3} label="Loading workflows…" />
      ) : q.isError ? (
        <ErrorState error={q.error} title="Could not load workflows" onRetry={() => void q.refetch()} />
      ) : q.data.workflows.length === 0 ? (
        <EmptyState title="No workflows yet" icon="empty">
          Create one with POST /api/v1/workflows.
        </EmptyState>
      ) : (
        <ul className="grid grid-cols-1 gap-3 md:grid-cols-2">
          {q.data.workflows.map((w) => (
            <li key={w.id}>
              <Link href={`/workflows/${encodeURIComponent(w.key)}`} className={cx('block h-full rounded-lg', focusRing)}>
                <Card as="div" className="h-full p-4 transition-colors hover:border-indigo-300 dark:hover:border-indigo-700">
                  <div className="flex items-start justify-between gap-2">
                    <h2 className="font-semibold">{w.name}</h2>
                    <span
                      className={cx(
                        'shrink-0 rounded-full px-2 py-0.5 text-xs font-medium',
                        w.enabled ? 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900/40 dark:text-emerald-200' : 'bg-slate-200 text-slate-700 dark:bg-slate-800 dark:text-slate-300',
                      )}
                    >
                      {w.enabled ? 'enabled' : 'disabled'}
                    </span>
                  </div>
                  <p className="mt-0.5 font-mono text-xs text-slate-600 dark:text-slate-400">
                    {w.key} · v{w.version} · {plural(w.definition.steps.length, 'step')}
                  </p>
                  {w.description ? <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">{w.description}</p> : null}
                </Card>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
