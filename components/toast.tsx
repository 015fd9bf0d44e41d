'use client';
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import { cx } from './ui';

export type Toast = { id: number; kind: 'success' | 'error' | 'info'; title: string; message?: string };
type ToastApi = { show: (t: Omit<Toast, 'id'>) => void; dismiss: (id: number) => void };

const ToastContext = createContext<ToastApi | null>(null);

export function useToast(): ToastApi {
  const ctx = useContext(ToastContext);
  if (!ctx) throw new Error('useToast outside ToastProvider');
  return ctx;
}

const STYLE: Record<Toast['kind'], string> = {
  success: 'border-emerald-300 bg-emerald-50 text-emerald-950 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100',
  error: 'border-rose-300 bg-rose-50 text-rose-950 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-100',
  info: 'border-slate-300 bg-white text-slate-900 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100',
};

/** Messages in a live region: errors stay until dismissed, the rest fade after a few seconds. */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((ts) => ts.filter((t) => t.id !== id)), []);
  const show = useCallback(
    (t: Omit<Toast, 'id'>) => {
      const id = next.current++;
      setToasts((ts) => [...ts.slice(-4), { ...t, id }]);
      if (t.kind !== 'error') setTimeout(() => dismiss(id), 6000);
    },
    [dismiss],
  );
  const api = useMemo(() => ({ show, dismiss }), [show, dismiss]);
  const errors = toasts.filter((t) => t.kind === 'error');
  const others = toasts.filter((t) => t.kind !== 'error');
  const render = (t: Toast) => (
    <div key={t.id} data-testid="toast" className={cx('pointer-events-auto flex items-start gap-3 rounded-lg border px-3 py-2 shadow-lg sm:px-4 sm:py-3', STYLE[t.kind])}>
      <div className="min-w-0 flex-1">
        <p className="text-sm font-semibold">{t.title}</p>
        {t.message ? <p className="mt-0.5 text-sm break-words">{t.message}</p> : null}
      </div>
      <button
        type="button"
        onClick={() => dismiss(t.id)}
        className="inline-flex h-6 min-w-6 items-center justify-center rounded px-1 text-sm hover:bg-black/5 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:hover:bg-white/10"
        aria-label="Dismiss message"
      >
        ✕
      </button>
    </div>
  );
  return (
    <ToastContext.Provider value={api}>
      {children}
      {/* Over the middle of the site header, never over an action button: rows, the bulk bar and the
          execution page keep theirs at the right and below the header. A phone shows the latest only. */}
      <div data-testid="toasts" className="pointer-events-none fixed inset-x-0 top-0 z-50 flex flex-col items-center gap-2 p-2">
        <div role="alert" aria-live="assertive" className="flex w-full max-w-md flex-col gap-2 max-sm:[&>*:not(:last-child)]:hidden">
          {errors.map(render)}
        </div>
        <div role="status" aria-live="polite" className="flex w-full max-w-md flex-col gap-2 max-sm:[&>*:not(:last-child)]:hidden">
          {others.map(render)}
        </div>
      </div>
    </ToastContext.Provider>
  );
}
