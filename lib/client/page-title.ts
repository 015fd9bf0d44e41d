'use client';
import { useEffect } from 'react';

/** A page title from data ("ORD-1001 · High-value order approval · Workflow Resumer"), once it has loaded. */
export function usePageTitle(title: string | null | undefined) {
  useEffect(() => {
    if (title) document.title = `${title} · Workflow Resumer`;
  }, [title]);
}
