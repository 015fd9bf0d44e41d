'use client';
/** The user menu's delegation: hand my approvals to someone until a time, or end it. */
import { useId, useState } from 'react';
import { can } from '@/lib/client/access';
import { useDelegation, useSetDelegation } from '@/lib/client/hooks';
import type { Me } from '@/lib/client/types';
import { Modal } from './dialog';
import { useToast } from './toast';
import { Button, errorMessage, inputClass } from './ui';

function inAWeek(): string {
  const d = new Date(Date.now() + 7 * 86_400_000);
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
}

export function DelegationMenu({ me }: { me: Me }) {
  const decides = can(me, 'approval:decide') && me.role !== null && me.kind !== 'link';
  const delegation = useDelegation({ enabled: decides });
  const save = useSetDelegation();
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [to, setTo] = useState('');
  const [until, setUntil] = useState(inAWeek);
  const toId = useId();
  const untilId = useId();
  if (!decides) return null;
  const current = delegation.data?.delegation ?? null;

  const submit = (value: { to: string; until: string } | null) =>
    save.mutate(value, {
      onSuccess: (d) => {
        toast.show({ kind: 'success', title: d.delegation ? `Delegated to ${d.delegation.to}` : 'Delegation ended' });
        setOpen(false);
      },
      onError: (e) => toast.show({ kind: 'error', title: 'Could not change the delegation', message: errorMessage(e) }),
    });

  return (
    <>
      <Button size="sm" variant="ghost" onClick={() => setOpen(true)} data-testid="delegation-button">
        {current ? `Delegated to ${current.to}` : 'Delegate…'}
      </Button>
      <Modal
        open={open}
        onClose={() => setOpen(false)}
        testId="delegation-dialog"
        title="Delegate my approvals"
        description="Until then, requests assigned to you (by name or by your role) are also assigned to the delegate, who is told of them and decides on your behalf."
        footer={
          <>
            {current ? (
              <Button variant="danger" busy={save.isPending} onClick={() => submit(null)}>
                End delegation
              </Button>
            ) : null}
            <Button variant="ghost" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button variant="primary" busy={save.isPending} disabled={!to.trim() || !until} onClick={() => submit({ to: to.trim(), until: new Date(until).toISOString() })}>
              Delegate
            </Button>
          </>
        }
      >
        {current ? (
          <p className="mb-3 text-sm">
            Now delegated to <strong>{current.to}</strong> until {new Date(current.until).toLocaleString()}.
          </p>
        ) : null}
        {delegation.data?.delegated_to_me.length ? (
          <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">You stand in for {delegation.data.delegated_to_me.map((d) => d.from).join(', ')}.</p>
        ) : null}
        <div className="space-y-3">
          <div className="space-y-1">
            <label htmlFor={toId} className="block text-xs font-medium text-slate-600 dark:text-slate-400">
              Delegate (email)
            </label>
            <input id={toId} type="email" value={to} onChange={(e) => setTo(e.target.value)} className={inputClass} placeholder="colleague@example.com" />
          </div>
          <div className="space-y-1">
            <label htmlFor={untilId} className="block text-xs font-medium text-slate-600 dark:text-slate-400">
              Until
            </label>
            <input id={untilId} type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} className={inputClass} />
          </div>
        </div>
      </Modal>
    </>
  );
}
