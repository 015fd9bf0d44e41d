'use client';
import Link from 'next/link';
import type { ButtonHTMLAttributes, ReactNode } from 'react';
import { apiErrorText, isApiError } from '@/lib/client/api';

export function cx(...parts: (string | false | null | undefined)[]): string {
  return parts.filter(Boolean).join(' ');
}

const focusRing =
  'focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2 focus-visible:ring-offset-white dark:focus-visible:ring-offset-slate-950';
export { focusRing };

type Variant = 'primary' | 'approve' | 'reject' | 'secondary' | 'ghost' | 'danger';
const VARIANTS: Record<Variant, string> = {
  // White on -700 (not -600): at least 4.5:1 in light and dark (emerald-600 was 3.65:1).
  primary: 'bg-indigo-600 text-white hover:bg-indigo-700 disabled:hover:bg-indigo-600',
  approve: 'bg-emerald-700 text-white hover:bg-emerald-800 disabled:hover:bg-emerald-700',
  reject: 'bg-rose-700 text-white hover:bg-rose-800 disabled:hover:bg-rose-700',
  danger: 'bg-rose-700 text-white hover:bg-rose-800 disabled:hover:bg-rose-700',
  secondary:
    'border border-slate-300 bg-white text-slate-800 hover:bg-slate-50 disabled:text-slate-400 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 dark:hover:bg-slate-800 dark:disabled:text-slate-500',
  ghost: 'text-slate-700 hover:bg-slate-100 disabled:text-slate-400 dark:text-slate-300 dark:hover:bg-slate-800',
};

export function Button({
  variant = 'secondary',
  size = 'md',
  className,
  busy,
  children,
  ...rest
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant; size?: 'sm' | 'md' | 'touch'; busy?: boolean }) {
  return (
    <button
      type="button"
      {...rest}
      aria-busy={busy || undefined}
      className={cx(
        'inline-flex items-center justify-center gap-1.5 rounded-md font-medium transition-colors disabled:cursor-not-allowed disabled:opacity-40 disabled:saturate-50',
        // touch: finger-sized on a phone, compact from sm up.
        size === 'sm' ? 'px-2.5 py-1 text-sm' : size === 'touch' ? 'px-4 py-2.5 text-sm sm:px-2.5 sm:py-1' : 'px-3.5 py-2 text-sm',
        VARIANTS[variant],
        focusRing,
        className,
      )}
    >
      {busy ? <Spinner className="h-3.5 w-3.5" /> : null}
      {children}
    </button>
  );
}

/** The product mark: a pause/resume glyph, drawn (emoji fonts are not everywhere). */
export function Logo({ className = 'h-7 w-7' }: { className?: string }) {
  return (
    <span aria-hidden="true" className={cx('flex items-center justify-center rounded-md bg-indigo-600 text-white', className)}>
      <svg viewBox="0 0 20 20" className="h-[60%] w-[60%]" fill="currentColor">
        <rect x="2" y="4" width="3" height="12" rx="1" />
        <rect x="7" y="4" width="3" height="12" rx="1" />
        <path d="M12 4.8v10.4a.8.8 0 0 0 1.2.7l6-5.2a.8.8 0 0 0 0-1.4l-6-5.2a.8.8 0 0 0-1.2.7Z" />
      </svg>
    </span>
  );
}

export function Spinner({ className = 'h-4 w-4' }: { className?: string }) {
  return <span aria-hidden="true" className={cx('inline-block animate-spin rounded-full border-2 border-current border-r-transparent', className)} />;
}

const STATUS_STYLES: Record<string, string> = {
  running: 'bg-sky-100 text-sky-800 ring-sky-600/20 dark:bg-sky-900/40 dark:text-sky-200',
  paused: 'bg-amber-100 text-amber-900 ring-amber-600/20 dark:bg-amber-900/40 dark:text-amber-200',
  pending: 'bg-amber-100 text-amber-900 ring-amber-600/20 dark:bg-amber-900/40 dark:text-amber-200',
  completed: 'bg-emerald-100 text-emerald-800 ring-emerald-600/20 dark:bg-emerald-900/40 dark:text-emerald-200',
  approved: 'bg-emerald-100 text-emerald-800 ring-emerald-600/20 dark:bg-emerald-900/40 dark:text-emerald-200',
  failed: 'bg-rose-100 text-rose-800 ring-rose-600/20 dark:bg-rose-900/40 dark:text-rose-200',
  rejected: 'bg-rose-100 text-rose-800 ring-rose-600/20 dark:bg-rose-900/40 dark:text-rose-200',
  cancelled: 'bg-slate-200 text-slate-700 ring-slate-500/20 dark:bg-slate-800 dark:text-slate-300',
  expired: 'bg-slate-200 text-slate-700 ring-slate-500/20 dark:bg-slate-800 dark:text-slate-300',
};

export function StatusBadge({ status, className, testId }: { status: string; className?: string; testId?: string }) {
  return (
    <span
      data-testid={testId}
      className={cx(
        'inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset',
        STATUS_STYLES[status] ?? STATUS_STYLES.cancelled,
        className,
      )}
    >
      {status}
    </span>
  );
}

export function Card({ children, className, as: As = 'section', ...rest }: { children: ReactNode; className?: string; as?: 'section' | 'div' | 'article'; 'aria-labelledby'?: string }) {
  return (
    <As {...rest} className={cx('rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900', className)}>
      {children}
    </As>
  );
}

export function PageHeader({ title, description, actions }: { title: ReactNode; description?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-5 flex flex-wrap items-end justify-between gap-3">
      <div className="min-w-0">
        <h1 className="text-xl font-semibold tracking-tight sm:text-2xl">{title}</h1>
        {description ? <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">{description}</p> : null}
      </div>
      {actions ? <div className="flex flex-wrap items-center gap-2">{actions}</div> : null}
    </div>
  );
}

export function Skeleton({ className }: { className?: string }) {
  return <div aria-hidden="true" className={cx('animate-pulse rounded-md bg-slate-200 dark:bg-slate-800', className)} />;
}

export function LoadingRows({ rows = 5, label = 'Loading…' }: { rows?: number; label?: string }) {
  return (
    <div role="status" aria-live="polite" className="space-y-3">
      <span className="sr-only">{label}</span>
      {Array.from({ length: rows }, (_, i) => (
        <Card key={i} as="div" className="p-4">
          <Skeleton className="h-4 w-1/3" />
          <Skeleton className="mt-3 h-3 w-2/3" />
          <Skeleton className="mt-2 h-3 w-1/2" />
        </Card>
      ))}
    </div>
  );
}

const EMPTY_ICONS = {
  done: <path d="M5 12.5l4.5 4.5L19 7.5" />,
  search: (
    <>
      <circle cx="11" cy="11" r="6.5" />
      <path d="M16 16l4.5 4.5" />
    </>
  ),
  empty: (
    <>
      <rect x="4" y="5" width="16" height="14" rx="2" />
      <path d="M4 13h4.5l1.5 2h4l1.5-2H20" />
    </>
  ),
};

export function EmptyState({ title, children, icon = 'done' }: { title: string; children?: ReactNode; icon?: keyof typeof EMPTY_ICONS }) {
  return (
    <Card as="div" className="px-6 py-12 text-center">
      <div aria-hidden="true" className="mx-auto flex h-12 w-12 items-center justify-center rounded-full bg-slate-100 text-slate-500 dark:bg-slate-800 dark:text-slate-400">
        <svg viewBox="0 0 24 24" className="h-6 w-6" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
          {EMPTY_ICONS[icon]}
        </svg>
      </div>
      <h2 className="mt-4 text-base font-semibold">{title}</h2>
      {children ? <div className="mt-1 text-sm text-slate-600 dark:text-slate-400">{children}</div> : null}
    </Card>
  );
}

/** What to tell people about an error: fixed texts by code, never a raw server or runtime message. */
export function errorMessage(error: unknown): string {
  if (isApiError(error)) return apiErrorText(error);
  return 'Something went wrong. Try again.';
}

export function ErrorState({ error, onRetry, title }: { error: unknown; onRetry?: () => void; title?: string }) {
  const forbidden = isApiError(error) && error.status === 403;
  const missing = isApiError(error) && error.status === 404;
  const heading = forbidden ? 'You do not have access to this' : (title ?? (missing ? 'Not found' : 'Could not load this'));
  return (
    <div role="alert" className="rounded-lg border border-rose-200 bg-rose-50 px-5 py-6 text-rose-900 dark:border-rose-900/60 dark:bg-rose-950/40 dark:text-rose-100">
      <h2 className="font-semibold">{heading}</h2>
      <p className="mt-1 text-sm">{errorMessage(error)}</p>
      {onRetry && !forbidden && !missing ? (
        <Button className="mt-3" size="sm" onClick={onRetry}>
          Try again
        </Button>
      ) : null}
    </div>
  );
}

/** A page the user may not open says so, instead of failing somewhere below. */
export function NoAccess({ permission }: { permission: string }) {
  return (
    <div role="alert" className="rounded-lg border border-amber-200 bg-amber-50 px-5 py-6 text-amber-950 dark:border-amber-900/60 dark:bg-amber-950/40 dark:text-amber-100">
      <h2 className="font-semibold">You do not have access to this page</h2>
      <p className="mt-1 text-sm">
        It needs the <code className="font-mono">{permission}</code> permission. Ask an administrator if you should have it.
      </p>
    </div>
  );
}

export function TextLink({ href, children, className }: { href: string; children: ReactNode; className?: string }) {
  return (
    <Link href={href} className={cx('font-medium text-indigo-700 underline-offset-2 hover:underline dark:text-indigo-300', focusRing, 'rounded-sm', className)}>
      {children}
    </Link>
  );
}

export function FieldLabel({ htmlFor, children }: { htmlFor: string; children: ReactNode }) {
  return (
    <label htmlFor={htmlFor} className="block text-sm font-medium text-slate-700 dark:text-slate-300">
      {children}
    </label>
  );
}

export const inputClass = cx(
  'block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 placeholder:text-slate-500 dark:border-slate-700 dark:placeholder:text-slate-400 dark:bg-slate-950 dark:text-slate-100',
  'focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/40',
);

/** A table's header row: a `<th scope="col">` per column, with `base` classes plus the column's own. */
export function HeaderRow({ base, columns }: { base: string; columns: readonly (string | readonly [string, string])[] }) {
  return (
    <tr>
      {columns.map((c) => {
        const [label, own] = typeof c === 'string' ? [c, ''] : c;
        return (
          <th key={label} scope="col" className={cx(own, base)}>
            {label}
          </th>
        );
      })}
    </tr>
  );
}

/** A titled card: the console's panels and the execution page's sections (`aside`: actions or a note beside the title). */
export function Panel({ title, id, children, aside }: { title: string; id: string; children: ReactNode; aside?: ReactNode }) {
  return (
    <Card aria-labelledby={id} className="scroll-mt-20 p-4 sm:p-5">
      <div className="mb-4 flex flex-wrap items-baseline justify-between gap-2">
        <h2 id={id} className="text-sm font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-400">
          {title}
        </h2>
        {aside}
      </div>
      {children}
    </Card>
  );
}
