'use client';
import { liveAgeSeconds, useNow } from '@/lib/client/clock';
import { formatAge } from '@/lib/client/format';

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
    <time dateTime={iso} title={new Date(iso).toLocaleString()} className={className}>
      {s === null ? '…' : s < 5 ? 'just now' : `${formatAge(s)} ago`}
    </time>
  );
}
