import type { Metadata } from 'next';
import { SignInForm } from '@/components/signin-form';
import { Logo } from '@/components/ui';
import { knownSignInErrorCode, safeCallbackPath } from '@/lib/auth/sign-in-messages';

export const metadata: Metadata = { title: 'Sign in' };

type Search = Promise<Record<string, string | string[] | undefined>>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export default async function SignInPage({ searchParams }: { searchParams: Search }) {
  const sp = await searchParams;
  return (
    <main className="flex min-h-screen items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex flex-col items-center text-center">
          <Logo className="h-10 w-10" />
          <h1 className="mt-3 text-xl font-semibold tracking-tight">Sign in to Workflow Resumer</h1>
          <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">Approvals, paused executions and operations.</p>
        </div>
        <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
          {/* Only a same-site path and a known error code get through (sign-in-messages.ts). */}
          <SignInForm callbackUrl={safeCallbackPath(one(sp.callbackUrl))} error={knownSignInErrorCode(one(sp.error))} signedOut={one(sp.signedOut) === '1'} />
        </div>
      </div>
    </main>
  );
}
