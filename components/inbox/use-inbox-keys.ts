'use client';
import { useEffect, useRef } from 'react';

function isTypingTarget(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  return !!el?.closest?.('input, textarea, select, [contenteditable=""], [contenteditable="true"], dialog');
}

export type InboxKeyActions = {
  rowCount: number;
  activeIndex: number;
  /** Moves the active row and focuses it. */
  focusRow: (index: number) => void;
  /** Enter on a row. */
  open: (index: number) => void;
  /** `a` / `r`; absent for people who cannot decide (the keys then do nothing). */
  decide?: (index: number, decision: 'approve' | 'reject') => void;
  /** `x`; absent when nothing can be selected. */
  toggleSelect?: (index: number) => void;
};

/**
 * The inbox's keyboard: j/k (and arrows on a row) move, Enter opens, a/r decide, x selects. Keys
 * typed into a field or while a dialog is open are left alone. Any list view of paused items can
 * use it (the row elements carry data-testid="inbox-row").
 */
export function useInboxKeys(actions: InboxKeyActions) {
  const ref = useRef(actions);
  useEffect(() => {
    ref.current = actions;
  });
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTypingTarget(e.target)) return;
      if (document.querySelector('dialog[open]')) return;
      const a = ref.current;
      const onRow = !!(e.target as HTMLElement).closest?.('[data-testid="inbox-row"]');
      const hasRow = a.rowCount > 0;
      switch (e.key) {
        case 'j':
        case 'k':
        case 'ArrowDown':
        case 'ArrowUp': {
          // Arrows only move within the list; j/k work from anywhere on the page.
          if (e.key.startsWith('Arrow') && !onRow) return;
          if (!hasRow) return;
          e.preventDefault();
          const down = e.key === 'j' || e.key === 'ArrowDown';
          // The first key press lands on the current row; later ones move.
          a.focusRow(!onRow ? a.activeIndex : down ? Math.min(a.activeIndex + 1, a.rowCount - 1) : Math.max(a.activeIndex - 1, 0));
          break;
        }
        case 'Enter': {
          // Links and buttons keep their own Enter; on a row it opens the detail.
          if ((e.target as HTMLElement).closest('a, button, input') || !onRow || !hasRow) return;
          e.preventDefault();
          a.open(a.activeIndex);
          break;
        }
        case 'a':
        case 'r':
          if (!hasRow || !a.decide) return;
          e.preventDefault();
          a.decide(a.activeIndex, e.key === 'a' ? 'approve' : 'reject');
          break;
        case 'x':
          if (!hasRow || !a.toggleSelect) return;
          e.preventDefault();
          a.toggleSelect(a.activeIndex);
          break;
      }
    }
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}
