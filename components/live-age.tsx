'use client';
import { liveAgeSeconds, useNow } from '@/lib/client/clock';
import { formatAge, formatZoned } from '@/lib/client/format';
import { useLiveConnected } from '@/lib/client/live';

/** An age that keeps counting between refetches ("3 h 12 min"). */
export function LiveAge({ ageSeconds, dataUpdatedAt, className }: { ageSeconds: number; dataUpdatedAt: number; className?: string }) {
  const now = useNow();
  return <span className={className}>{formatAge(liveAgeSeconds(ageSeconds, dataUpdatedAt, now))}</span>;
}

/** "3 min ago" from an ISO time, live. */
export function TimeAgo({ iso, className }: { iso: string | null; className?: string }) {
  const now = useNow();
  if (!iso) return <span className={className}>never</span>;
  const s = now ? Math.max(0, Math.floor((now - new Date(iso).getTime()) / 1000)) : null;
  return (
    <time dateTime={iso} title={formatZoned(iso)} className={className}>
      {s === null ? '…' : s < 5 ? 'just now' : `${formatAge(s)} ago`}
    </time>
  );
}

/** Whether this page is receiving pushed changes, or polling because the stream is down. */
export function LiveBadge({ testId, pollSeconds }: { testId?: string; pollSeconds: number }) {
  const live = useLiveConnected();
  return (
    <span data-testid={testId} className="inline-flex items-center gap-1.5 text-xs text-slate-600 dark:text-slate-400">
      <span aria-hidden="true" className={live ? 'h-2 w-2 rounded-full bg-emerald-500' : 'h-2 w-2 rounded-full bg-amber-500'} />
      {live ? 'Live' : `Refreshing every ${pollSeconds} s`}
    </span>
  );
}
