'use client';
/**
 * A decision interrupted by an ended session: what was being decided and the comment typed so far,
 * kept in sessionStorage (this tab only) while the user signs in again, so the page can reopen the
 * same dialog with the comment in it.
 */
import type { Decision } from './types';

export type DecisionDraft = { path: string; executionId: string; approvalId: string; decision: Decision; comment: string; savedAt: number };

const KEY = 'wr-decision-draft';
/** A draft older than this is not offered again. */
const MAX_AGE_MS = 30 * 60_000;

export function saveDecisionDraft(d: Omit<DecisionDraft, 'savedAt' | 'path'>) {
  try {
    sessionStorage.setItem(KEY, JSON.stringify({ ...d, path: window.location.pathname + window.location.search, savedAt: Date.now() }));
  } catch {
    // storage unavailable: the comment is lost, nothing else
  }
}

/** The draft for this page, if any; it is removed once taken. */
export function takeDecisionDraft(): DecisionDraft | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const d = JSON.parse(raw) as DecisionDraft;
    if (d.path !== window.location.pathname + window.location.search) return null;
    sessionStorage.removeItem(KEY);
    return Date.now() - d.savedAt < MAX_AGE_MS ? d : null;
  } catch {
    return null;
  }
}

/** True while a dialog shows "Your session expired": the automatic redirect to sign-in waits for the user. */
let heldByDialog = false;
export function holdSessionRedirect(hold: boolean) {
  heldByDialog = hold;
}
export function sessionRedirectHeld(): boolean {
  return heldByDialog;
}
