'use client';
import type { ExecutionApproval } from '@/lib/client/types';
import { TimeAgo } from '../live-age';
import { cx } from '../ui';

const STATUS_STYLE = {
  sent: 'text-emerald-700 dark:text-emerald-300',
  pending: 'text-amber-700 dark:text-amber-300',
  failed: 'text-rose-700 dark:text-rose-300',
} as const;

/** Who was asked and what each message did: on an approval of the execution's detail page. */
export function ApprovalNotifications({ approval }: { approval: ExecutionApproval }) {
  const sent = approval.notifications ?? [];
  const assigned = approval.assigned_to ?? [];
  if (sent.length === 0 && assigned.length === 0) return null;
  return (
    <div className="mt-2 space-y-1 text-xs" data-testid="approval-notifications">
      {assigned.length ? (
        <p className="text-slate-600 dark:text-slate-400">
          Assigned to {assigned.join(', ')}
          {approval.escalated_to?.length ? ` (escalated to ${approval.escalated_to.join(', ')})` : ''}
          {approval.reminders_sent ? ` · ${approval.reminders_sent} reminder${approval.reminders_sent === 1 ? '' : 's'} sent` : ''}
        </p>
      ) : null}
      {sent.length ? (
        <table className="w-full text-left">
          <caption className="sr-only">Notifications</caption>
          <thead className="text-slate-500">
            <tr>
              <th className="pr-2 font-medium">Message</th>
              <th className="pr-2 font-medium">To</th>
              <th className="pr-2 font-medium">Status</th>
            </tr>
          </thead>
          <tbody>
            {sent.map((n) => (
              <tr key={n.id} data-testid="notification-row">
                <td className="pr-2">
                  {n.kind} · {n.channel}
                </td>
                <td className="max-w-[14rem] truncate pr-2" title={n.recipient}>
                  {n.recipient}
                </td>
                <td className={cx('pr-2', STATUS_STYLE[n.status])}>
                  {n.status}
                  {n.status === 'sent' && n.sent_at ? (
                    <>
                      {' '}
                      {n.delivered_via === 'outbox' ? '(kept in the outbox)' : null} <TimeAgo iso={n.sent_at} className="text-slate-500" />
                    </>
                  ) : null}
                  {n.status !== 'sent' && n.attempts ? ` · ${n.attempts} attempt${n.attempts === 1 ? '' : 's'}` : null}
                  {n.last_error && n.status !== 'sent' ? <span className="block text-slate-500">{n.last_error}</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
