'use client';
import { usePathname, useSearchParams } from 'next/navigation';
import { useCallback } from 'react';

/**
 * The page's query string, and a setter that changes the given keys (an empty value removes one) and
 * keeps the rest. Filters live in the URL but need nothing from the server (the data comes from the
 * API): the History API updates useSearchParams at once, without a server round trip per change
 * (pages are rendered per request, for their CSP nonce).
 */
export function useSearchParamsSetter(): [ReturnType<typeof useSearchParams>, (next: Record<string, string | undefined>) => void] {
  const params = useSearchParams();
  const pathname = usePathname();
  const set = useCallback(
    (next: Record<string, string | undefined>) => {
      const p = new URLSearchParams(params.toString());
      for (const [k, v] of Object.entries(next)) {
        if (v) p.set(k, v);
        else p.delete(k);
      }
      const qs = p.toString();
      window.history.replaceState(null, '', qs ? `${pathname}?${qs}` : pathname);
    },
    [params, pathname],
  );
  return [params, set];
}
