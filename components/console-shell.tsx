'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { signOut } from 'next-auth/react';
import { useState, type ReactNode } from 'react';
import { isApiError } from '@/lib/client/api';
import { can } from '@/lib/client/access';
import { useMe } from '@/lib/client/hooks';
import type { Permission } from '@/lib/client/types';
import { DelegationMenu } from './delegation-menu';
import { useLiveUpdates } from '@/lib/client/live';
import { Button, cx, ErrorState, focusRing, Logo, Spinner } from './ui';

const NAV: { href: string; label: string; permission?: Permission }[] = [
  { href: '/', label: 'Inbox' },
  { href: '/executions', label: 'Executions' },
  { href: '/workflows', label: 'Workflows' },
  { href: '/ops', label: 'Ops' },
  { href: '/api-docs', label: 'API' },
  { href: '/outbox', label: 'Outbox', permission: 'notification:read' },
];

function isActive(pathname: string, href: string) {
  return href === '/' ? pathname === '/' : pathname === href || pathname.startsWith(`${href}/`);
}

/** The signed-in frame: navigation, who is signed in, sign-out. Nothing renders before /me answers. */
export function ConsoleShell({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  // The sign-in page and decision-link pages stand alone: no navigation, no account to load.
  const bare = pathname === '/signin' || pathname.startsWith('/decide/');
  const me = useMe({ enabled: !bare });
  const [signingOut, setSigningOut] = useState(false);
  useLiveUpdates(!bare && !!me.data);
  if (bare) return <>{children}</>;

  let body: ReactNode;
  if (me.isPending) {
    body = (
      <div role="status" className="flex items-center gap-2 py-16 text-slate-600 dark:text-slate-400">
        <Spinner /> Loading the console…
      </div>
    );
  } else if (me.isError) {
    body = isApiError(me.error) && me.error.status === 401 ? (
      <div role="status" className="py-16 text-slate-600 dark:text-slate-400">
        Your session has ended. Taking you to sign-in…
      </div>
    ) : (
      <ErrorState error={me.error} title="Could not load your account" onRetry={() => void me.refetch()} />
    );
  } else {
    body = children;
  }

  return (
    <div className="min-h-screen">
      <a
        href="#main"
        className="sr-only z-50 rounded-md bg-indigo-600 px-3 py-2 text-white focus:not-sr-only focus:fixed focus:left-3 focus:top-3"
      >
        Skip to content
      </a>
      <header className="sticky top-0 z-30 border-b border-slate-200 bg-white/90 backdrop-blur dark:border-slate-800 dark:bg-slate-950/90">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-3 gap-y-2 px-4 py-2.5 sm:gap-x-6 sm:px-6">
          <Link href="/" className={cx('flex items-center gap-2 rounded-md font-semibold tracking-tight', focusRing)}>
            <Logo />
            {/* The short name keeps the header on one line at phone width. */}
            <span className="sm:hidden">Resumer</span>
            <span className="hidden sm:inline">Workflow Resumer</span>
          </Link>
          <nav aria-label="Main" className="order-3 -mx-1 flex w-full gap-1 overflow-x-auto sm:order-none sm:w-auto">
            {NAV.filter((n) => !n.permission || can(me.data, n.permission)).map((n) => {
              const active = isActive(pathname, n.href);
              return (
                <Link
                  key={n.href}
                  href={n.href}
                  aria-current={active ? 'page' : undefined}
                  className={cx(
                    'whitespace-nowrap rounded-md px-3 py-1.5 text-sm font-medium',
                    active
                      ? 'bg-indigo-50 text-indigo-700 dark:bg-indigo-950 dark:text-indigo-200'
                      : 'text-slate-600 hover:bg-slate-100 hover:text-slate-900 dark:text-slate-400 dark:hover:bg-slate-800 dark:hover:text-slate-100',
                    focusRing,
                  )}
                >
                  {n.label}
                </Link>
              );
            })}
          </nav>
          <div className="ml-auto flex items-center gap-3">
            {me.data ? (
              <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs text-slate-700 sm:hidden dark:bg-slate-800 dark:text-slate-300" title={me.data.id}>
                {me.data.role ?? me.data.kind}
              </span>
            ) : null}
            {me.data ? (
              <div className="hidden text-right text-xs leading-tight sm:block" data-testid="whoami">
                <div className="font-medium text-slate-800 dark:text-slate-200">{me.data.name}</div>
                <div className="text-slate-500 dark:text-slate-400">
                  {me.data.id} · <span data-testid="role">{me.data.role ?? me.data.kind}</span>
                </div>
              </div>
            ) : null}
            {me.data ? <DelegationMenu me={me.data} /> : null}
            {me.data ? (
              <Button
                size="sm"
                variant="ghost"
                busy={signingOut}
                onClick={() => {
                  setSigningOut(true);
                  void signOut({ callbackUrl: '/signin?signedOut=1' });
                }}
              >
                Sign out
              </Button>
            ) : null}
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="mx-auto max-w-7xl px-4 py-6 outline-none sm:px-6">
        {body}
      </main>
    </div>
  );
}
