'use client';
/**
 * The outbox (admins, notification:read): every message the product sent or is sending, newest first,
 * with its text and HTML parts. Without SMTP_URL mail is kept here instead of sent — a built-in mail
 * catcher with working decision links, so `npm start` shows the whole loop without a mail server.
 */
import Link from 'next/link';
import { useState } from 'react';
import { can } from '@/lib/client/access';
import { useMe, useOutbox, type OutboxFilter } from '@/lib/client/hooks';
import type { OutboxItem } from '@/lib/client/types';
import { TimeAgo } from '../live-age';
import { Button, Card, EmptyState, ErrorState, LoadingRows, NoAccess, PageHeader, StatusBadge, inputClass } from '../ui';

function Message({ n }: { n: OutboxItem }) {
  const [part, setPart] = useState<'text' | 'html'>('text');
  return (
    <div className="mt-3 space-y-2">
      {n.channel === 'email' && n.html ? (
        <div className="flex gap-1" role="group" aria-label="Message part">
          <Button size="sm" variant={part === 'text' ? 'primary' : 'ghost'} onClick={() => setPart('text')}>
            Text
          </Button>
          <Button size="sm" variant={part === 'html' ? 'primary' : 'ghost'} onClick={() => setPart('html')}>
            HTML
          </Button>
        </div>
      ) : null}
      {n.channel === 'webhook' ? (
        <pre className="max-h-96 overflow-auto rounded bg-slate-100 p-3 text-xs dark:bg-slate-900">{JSON.stringify(n.payload, null, 2)}</pre>
      ) : part === 'html' && n.html ? (
        // The mail as a mail client shows it, sandboxed: no scripts, links open in a new tab.
        <iframe title={`HTML part of ${n.subject}`} sandbox="allow-popups allow-popups-to-escape-sandbox" srcDoc={n.html.replace('<head>', '<head><base target="_blank">')} className="h-96 w-full rounded border border-slate-200 bg-white dark:border-slate-800" />
      ) : (
        <pre className="max-h-96 overflow-auto whitespace-pre-wrap break-words rounded bg-slate-100 p-3 text-xs dark:bg-slate-900" data-testid="outbox-text">
          {n.text}
        </pre>
      )}
    </div>
  );
}

export function OutboxView() {
  const me = useMe().data;
  const [filter, setFilter] = useState<OutboxFilter>({});
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [open, setOpen] = useState<string | null>(null);
  const allowed = can(me, 'notification:read');
  const query = useOutbox({ ...filter, cursor: cursors[cursors.length - 1] });
  if (me && !allowed) return <NoAccess permission="notification:read" />;
  const set = (f: OutboxFilter) => {
    setFilter(f);
    setCursors([undefined]);
  };
  return (
    <div>
      <PageHeader
        title="Outbox"
        description="Every approval request, reminder, escalation and decision message, newest first. Without SMTP_URL mail is kept here instead of sent: open a message to use its decision link."
      />
      <Card as="div" className="mb-4 flex flex-wrap gap-3 p-3">
        <label className="text-xs font-medium text-slate-600 dark:text-slate-400">
          Status
          <select className={inputClass} value={filter.status ?? ''} onChange={(e) => set({ ...filter, status: e.target.value || undefined })}>
            <option value="">Any</option>
            <option value="pending">Pending</option>
            <option value="sent">Sent</option>
            <option value="failed">Failed</option>
          </select>
        </label>
        <label className="text-xs font-medium text-slate-600 dark:text-slate-400">
          Channel
          <select className={inputClass} value={filter.channel ?? ''} onChange={(e) => set({ ...filter, channel: e.target.value || undefined })}>
            <option value="">Any</option>
            <option value="email">Email</option>
            <option value="webhook">Webhook</option>
          </select>
        </label>
      </Card>
      {query.isPending ? (
        <LoadingRows />
      ) : query.isError ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.notifications.length === 0 ? (
        <EmptyState title="No messages">Messages appear here when an approval request is opened, reminded, escalated or decided.</EmptyState>
      ) : (
        <ul className="space-y-2" data-testid="outbox">
          {query.data.notifications.map((n) => (
            <li key={n.id}>
              <Card as="article" className="p-3">
                <button type="button" className="w-full text-left" aria-expanded={open === n.id} onClick={() => setOpen(open === n.id ? null : n.id)}>
                  <div className="flex flex-wrap items-center gap-2 text-sm">
                    <StatusBadge status={n.status} />
                    <span className="font-medium">{n.subject}</span>
                  </div>
                  <div className="mt-1 flex flex-wrap gap-x-3 text-xs text-slate-500 dark:text-slate-400">
                    <span>
                      {n.kind} · {n.channel} to {n.recipient}
                    </span>
                    <TimeAgo iso={n.created_at} />
                    {n.delivered_via ? <span>via {n.delivered_via}</span> : null}
                    {n.attempts > 1 || n.status !== 'sent' ? <span>{n.attempts} attempt(s)</span> : null}
                    {n.last_error && n.status !== 'sent' ? <span className="text-rose-700 dark:text-rose-300">{n.last_error}</span> : null}
                  </div>
                </button>
                {open === n.id ? (
                  <>
                    <Message n={n} />
                    <Link href={`/executions/${n.execution_id}`} className="mt-2 inline-block text-xs text-indigo-700 hover:underline dark:text-indigo-300">
                      Open the execution
                    </Link>
                  </>
                ) : null}
              </Card>
            </li>
          ))}
        </ul>
      )}
      <div className="mt-4 flex gap-2">
        <Button size="sm" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
          Newer
        </Button>
        <Button size="sm" disabled={!query.data?.next_cursor} onClick={() => setCursors([...cursors, query.data!.next_cursor!])}>
          Older
        </Button>
      </div>
    </div>
  );
}
