'use client';
import { useState, type ReactNode } from 'react';
import { useDecide } from '@/lib/client/hooks';
import type { Decision, Me } from '@/lib/client/types';
import { errorMessage } from '../ui';
import type { BulkRun } from './bulk-results';
import { DecideDialog, rowLabel } from './decide-dialog';
import type { DecisionItem } from './use-decision';

/** How many decisions are in flight at once: quick for a page of items, gentle on the server. */
const CONCURRENCY = 3;

/**
 * Several decisions after one confirmation, each sent on its own (the same route and rules as a
 * single one), with a result line per item as they come back.
 */
export function useBulkDecide(me: Me | undefined, opts: { onStarted?: () => void } = {}) {
  const decide = useDecide(me);
  const [confirming, setConfirming] = useState<{ decision: Decision; items: DecisionItem[] } | null>(null);
  const [run, setRun] = useState<BulkRun | null>(null);

  async function send(items: DecisionItem[], decision: Decision, comment: string) {
    setConfirming(null);
    opts.onStarted?.();
    const results: BulkRun['results'] = items.map((it) => ({ id: it.executionId, label: rowLabel(it.target), state: 'pending' as const }));
    setRun({ decision, running: true, results: [...results] });
    const update = (i: number, patch: Partial<BulkRun['results'][number]>) => {
      results[i] = { ...results[i]!, ...patch };
      setRun({ decision, running: true, results: [...results] });
    };
    let next = 0;
    const workers = Array.from({ length: Math.min(CONCURRENCY, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        const it = items[i]!;
        try {
          await decide.mutateAsync({
            approvalId: it.approvalId,
            executionId: it.executionId,
            decision,
            comment: comment || undefined,
            payloadVersion: it.target.approval?.payload_version,
          });
          update(i, { state: 'ok' });
        } catch (e) {
          update(i, { state: 'error', message: errorMessage(e) });
        }
      }
    });
    await Promise.all(workers);
    setRun({ decision, running: false, results: [...results] });
  }

  const dialog: ReactNode = confirming ? (
    <DecideDialog
      decision={confirming.decision}
      rows={confirming.items.map((i) => i.target)}
      onClose={() => setConfirming(null)}
      onConfirm={(comment) => void send(confirming.items, confirming.decision, comment)}
    />
  ) : null;

  return {
    /** Opens the confirmation for these items. */
    confirm: (decision: Decision, items: DecisionItem[]) => setConfirming({ decision, items }),
    run,
    dismiss: () => setRun(null),
    dialog,
    isOpen: confirming !== null,
  };
}
