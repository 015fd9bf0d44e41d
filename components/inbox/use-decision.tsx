'use client';
import { useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { isApiError } from '@/lib/client/api';
import { holdSessionRedirect, saveDecisionDraft, takeDecisionDraft } from '@/lib/client/decision-draft';
import { useDecide } from '@/lib/client/hooks';
import { queryKeys } from '@/lib/client/query-keys';
import type { Decision, Me } from '@/lib/client/types';
import { useToast } from '../toast';
import { errorMessage } from '../ui';
import { DecideDialog, rowLabel, type DecideTarget, type DecisionExtra, type ServerFormError } from './decide-dialog';

/** One approval to decide: what the dialog shows, and the ids the API needs. */
export type DecisionItem = { target: DecideTarget; approvalId: string; executionId: string };

type Open = {
  item: DecisionItem;
  decision: Decision;
  comment: string;
  expired: boolean;
  restored: boolean;
  /** Kept from an attempt the server refused (422), with its message shown inline. */
  extra?: DecisionExtra;
  serverError?: ServerFormError | null;
};

/**
 * One decision through the confirmation dialog, the same on the inbox and the execution page:
 * optimistic, with a toast for the result. When the session has ended, the dialog comes back with
 * the comment and "Your session expired — sign in again"; after signing in, the page reopens it
 * (`restore`) with the comment still there.
 */
export function useDecision(me: Me | undefined, opts: { onDecided?: (item: DecisionItem) => void } = {}) {
  const decide = useDecide(me, { handlesUnauthorized: true });
  const toast = useToast();
  const router = useRouter();
  const qc = useQueryClient();
  const [open, setOpen] = useState<Open | null>(null);
  const onDecided = useRef(opts.onDecided);
  useEffect(() => {
    onDecided.current = opts.onDecided;
  });

  const start = useCallback((item: DecisionItem, decision: Decision) => setOpen({ item, decision, comment: '', expired: false, restored: false }), []);

  const run = (o: Open, comment: string, extra: DecisionExtra = {}) => {
    setOpen(null);
    const label = rowLabel(o.item.target);
    decide.mutate(
      {
        approvalId: o.item.approvalId,
        executionId: o.item.executionId,
        decision: o.decision,
        comment: comment || undefined,
        data: extra.data,
        edits: extra.edits,
        // The version the dialog displayed: a payload edited since is a 409 payload_changed.
        payloadVersion: o.item.target.approval?.payload_version,
      },
      {
        onSuccess: () => toast.show({ kind: 'success', title: `${o.decision === 'approve' ? 'Approved' : 'Rejected'}: ${label}` }),
        onError: (e) => {
          if (isApiError(e) && e.status === 401) {
            // Keep the user here: the dialog explains and takes them to sign in, comment kept.
            holdSessionRedirect(true);
            setOpen({ ...o, comment, expired: true });
            return;
          }
          if (isApiError(e) && e.code === 'validation_failed' && (extra.data || extra.edits)) {
            // The schema check refused it: the dialog comes back with the values and the server's message inline.
            setOpen({ ...o, comment, extra, serverError: { message: e.message } });
            return;
          }
          toast.show({ kind: 'error', title: `Could not ${o.decision} ${label}`, message: errorMessage(e) });
        },
      },
    );
    onDecided.current?.(o.item);
  };

  const signInAgain = (o: Open, comment: string) => {
    saveDecisionDraft({ executionId: o.item.executionId, approvalId: o.item.approvalId, decision: o.decision, comment });
    holdSessionRedirect(false);
    const back = window.location.pathname + window.location.search;
    router.replace(`/signin?callbackUrl=${encodeURIComponent(back)}`);
  };

  const close = () => {
    setOpen(null);
    if (open?.expired) {
      // Not signing in now: the usual redirect to sign-in takes over.
      holdSessionRedirect(false);
      void qc.invalidateQueries({ queryKey: queryKeys.me });
    }
  };

  /** After signing in again: reopen the interrupted decision, if it is on this page and still open. */
  const restore = useCallback((find: (approvalId: string) => DecisionItem | null) => {
    const draft = takeDecisionDraft();
    if (!draft) return;
    const item = find(draft.approvalId);
    if (item) setOpen({ item, decision: draft.decision, comment: draft.comment, expired: false, restored: true });
  }, []);

  const dialog: ReactNode = open ? (
    <DecideDialog
      key={`${open.item.approvalId}-${open.expired}-${open.serverError?.message ?? ''}`}
      decision={open.decision}
      rows={[open.item.target]}
      initialComment={open.comment}
      notice={open.restored ? 'Signed in again. Your comment is still here: confirm when ready.' : undefined}
      onClose={close}
      initialExtra={open.extra}
      serverError={open.serverError}
      onConfirm={(comment, extra) => run(open, comment, extra)}
      onSignInAgain={open.expired ? (comment) => signInAgain(open, comment) : undefined}
    />
  ) : null;

  return { start, restore, dialog, isOpen: open !== null };
}
