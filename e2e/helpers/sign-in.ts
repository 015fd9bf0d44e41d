/**
 * Signing in and out over HTTP with next-auth's own endpoints — the requests the sign-in form and
 * the console's "Sign out" make — with the cookies handled by hand, so a test can copy a session
 * cookie, send it elsewhere, and choose the X-Forwarded-For a request carries.
 */
import { BASE_URL } from './env';

export type SignInResult = {
  status: number;
  /** Where next-auth sends the browser (json=true answers with it instead of redirecting). */
  url: string;
  /** The `error` code in that URL, when sign-in failed. */
  error: string | null;
  /** "name=value" of the session cookie, when one was set. */
  sessionCookie: string | null;
  /** Every Set-Cookie header of the sign-in answer. */
  setCookies: string[];
};

const cookiePairs = (res: Response) => (res.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]!);

async function csrf(baseUrl: string, headers: Record<string, string>): Promise<{ token: string; cookie: string }> {
  const res = await fetch(`${baseUrl}/api/auth/csrf`, { headers });
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return { token: csrfToken, cookie: cookiePairs(res).join('; ') };
}

export async function signInHttp(
  email: string,
  password: string,
  opts: { baseUrl?: string; forwardedFor?: string; callbackUrl?: string } = {},
): Promise<SignInResult> {
  const baseUrl = opts.baseUrl ?? BASE_URL;
  const headers: Record<string, string> = opts.forwardedFor ? { 'x-forwarded-for': opts.forwardedFor } : {};
  const c = await csrf(baseUrl, headers);
  const res = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', cookie: c.cookie },
    body: new URLSearchParams({ csrfToken: c.token, email, password, callbackUrl: opts.callbackUrl ?? '/', json: 'true' }).toString(),
  });
  const body = (await res.json().catch(() => ({}))) as { url?: string };
  const url = body.url ?? '';
  const setCookies = res.headers.getSetCookie?.() ?? [];
  const session = cookiePairs(res).find((p) => /^(__Secure-)?next-auth\.session-token=/.test(p)) ?? null;
  let error: string | null = null;
  try {
    error = new URL(url).searchParams.get('error');
  } catch {
    error = null;
  }
  return { status: res.status, url, error, sessionCookie: session, setCookies };
}

/** Signs in and insists on a session. */
export async function sessionFor(email: string, password: string, opts: { baseUrl?: string; forwardedFor?: string } = {}): Promise<string> {
  const r = await signInHttp(email, password, opts);
  if (!r.sessionCookie) throw new Error(`sign-in of ${email} failed: ${r.status} ${r.url}`);
  return r.sessionCookie;
}

/** The console's "Sign out" (next-auth's POST /api/auth/signout) with that session cookie. */
export async function signOutHttp(sessionCookie: string, baseUrl = BASE_URL): Promise<number> {
  const c = await csrf(baseUrl, { cookie: sessionCookie });
  const res = await fetch(`${baseUrl}/api/auth/signout`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `${sessionCookie}; ${c.cookie}` },
    body: new URLSearchParams({ csrfToken: c.token, callbackUrl: '/signin?signedOut=1', json: 'true' }).toString(),
  });
  return res.status;
}

/** GET /api/v1/me with a session cookie: 200 while the session lives, 401 once it has ended. */
export async function meStatus(sessionCookie: string, baseUrl = BASE_URL): Promise<number> {
  return (await fetch(`${baseUrl}/api/v1/me`, { headers: { cookie: sessionCookie } })).status;
}

/** Polls until `probe` gives `want` or `withinMs` passes (changes reach other instances by NOTIFY). */
export async function eventually<T>(probe: () => Promise<T>, want: T, withinMs = 5000): Promise<T> {
  const end = Date.now() + withinMs;
  for (;;) {
    const got = await probe();
    if (got === want || Date.now() > end) return got;
    await new Promise((r) => setTimeout(r, 25));
  }
}
