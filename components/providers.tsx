'use client';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { usePathname, useRouter } from 'next/navigation';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { isApiError } from '@/lib/client/api';
import { sessionRedirectHeld } from '@/lib/client/decision-draft';
import { ToastProvider } from './toast';

/** A 401 anywhere means the session ended: go to sign-in, and come back here afterwards. */
function SessionExpiredRedirect({ signal }: { signal: number }) {
  const router = useRouter();
  const pathname = usePathname();
  // Each 401 redirects once; after signing in again the old signal must not send us back.
  const handled = useRef(0);
  useEffect(() => {
    if (signal <= handled.current) return;
    handled.current = signal;
    if (pathname === '/signin') return;
    const back = window.location.pathname + window.location.search;
    router.replace(`/signin?callbackUrl=${encodeURIComponent(back)}`);
  }, [signal, pathname, router]);
  return null;
}

export function Providers({ children }: { children: ReactNode }) {
  const [expired, setExpired] = useState(0);
  const [client] = useState(() => {
    const onError = (error: unknown) => {
      // A decision dialog that met the 401 tells the user and takes them to sign in itself.
      if (isApiError(error) && error.status === 401 && !sessionRedirectHeld()) setExpired((n) => n + 1);
    };
    return new QueryClient({
      queryCache: new QueryCache({ onError }),
      mutationCache: new MutationCache({ onError: (error, _v, _c, mutation) => (mutation.meta?.handlesUnauthorized ? undefined : onError(error)) }),
      defaultOptions: {
        queries: {
          staleTime: 2_000,
          refetchOnWindowFocus: true,
          refetchIntervalInBackground: false,
          // Client errors will not heal by retrying; network and server errors might.
          retry: (count, error) => !(isApiError(error) && error.status >= 400 && error.status < 500) && count < 2,
        },
        mutations: { retry: false },
      },
    });
  });
  return (
    <QueryClientProvider client={client}>
      <SessionExpiredRedirect signal={expired} />
      <ToastProvider>{children}</ToastProvider>
    </QueryClientProvider>
  );
}
