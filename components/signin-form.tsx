'use client';
import { useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { signIn } from 'next-auth/react';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { safeCallbackPath, signInErrorMessage } from '@/lib/auth/sign-in-messages';
import { Button, FieldLabel, inputClass } from './ui';

export function SignInForm(props: { callbackUrl?: string; error?: string; signedOut?: boolean }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const callbackUrl = safeCallbackPath(props.callbackUrl);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(() => signInErrorMessage(props.error));
  const [busy, setBusy] = useState(false);
  const signedOut = !!props.signedOut;
  // After a failed attempt, focus lands on the message, so it is read out and seen first.
  const errorRef = useRef<HTMLParagraphElement>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (attempt > 0) errorRef.current?.focus();
  }, [attempt]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await signIn('credentials', { email, password, redirect: false, callbackUrl });
      if (!res || res.error || !res.ok) {
        setError(signInErrorMessage(res?.error ?? 'failed'));
        setPassword('');
        setBusy(false);
        setAttempt((n) => n + 1);
        return;
      }
      // Nothing from before (a 401, another user's data) may survive into the new session.
      queryClient.clear();
      router.replace(callbackUrl);
    } catch {
      setError('Cannot reach the server. Check your connection and try again.');
      setBusy(false);
      setAttempt((n) => n + 1);
    }
  }

  return (
    <form onSubmit={submit} className="space-y-4" noValidate aria-describedby={error ? 'signin-error' : undefined}>
      {signedOut && !error ? (
        <p role="status" className="rounded-md bg-slate-100 px-3 py-2 text-sm text-slate-700 dark:bg-slate-800 dark:text-slate-300">
          You have signed out.
        </p>
      ) : null}
      {error ? (
        <p id="signin-error" ref={errorRef} tabIndex={-1} data-testid="signin-error" role="alert" className="rounded-md border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-900 dark:border-rose-900 dark:bg-rose-950/50 dark:text-rose-100">
          {error}
        </p>
      ) : null}
      <div className="space-y-1.5">
        <FieldLabel htmlFor="email">Email</FieldLabel>
        <input
          id="email"
          name="email"
          type="email"
          autoComplete="username"
          required
          autoFocus
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          className={inputClass}
        />
      </div>
      <div className="space-y-1.5">
        <FieldLabel htmlFor="password">Password</FieldLabel>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          className={inputClass}
        />
      </div>
      <Button type="submit" variant="primary" className="w-full" busy={busy} disabled={busy || !email || !password}>
        {busy ? 'Signing in…' : 'Sign in'}
      </Button>
    </form>
  );
}
