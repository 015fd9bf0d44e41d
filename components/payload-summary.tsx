import { compactEntries } from '@/lib/client/format';

/** The trigger payload's first few values, compact: "order_id ORD-1001 · amount 25,000". Text only. */
export function PayloadSummary({ payload, limit = 5 }: { payload: Record<string, unknown> | null | undefined; limit?: number }) {
  const entries = compactEntries(payload, limit);
  if (entries.length === 0) return <span className="text-slate-600 dark:text-slate-400">no payload</span>;
  const more = payload ? Object.keys(payload).length - entries.length : 0;
  return (
    <dl className="flex flex-wrap gap-x-3 gap-y-1 text-xs">
      {entries.map(([k, v]) => (
        <div key={k} className="flex min-w-0 items-baseline gap-1">
          <dt className="text-slate-600 dark:text-slate-400">{k}</dt>
          <dd className="truncate font-mono font-medium text-slate-800 dark:text-slate-200">{v}</dd>
        </div>
      ))}
      {more > 0 ? <div className="text-slate-600 dark:text-slate-400">+{more} more</div> : null}
    </dl>
  );
}
