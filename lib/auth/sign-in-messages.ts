/**
 * What the sign-in page may say, and where it may send someone afterwards. Shared by the server
 * (next-auth's callbacks, the sign-in page) and the browser (the sign-in form): no server imports.
 *
 * The page gets an error code in its URL (`?error=`), which anyone can craft: it shows one of these
 * fixed texts, never the URL's text.
 */
export const SIGN_IN_ERRORS = {
  CredentialsSignin: 'Wrong email or password. Check both and try again.',
  AccountDisabled: 'This account is disabled. Ask an administrator to enable it.',
  SessionRequired: 'Please sign in to continue.',
  Unavailable: 'Signing in is not possible right now. Try again in a minute.',
} as const;

const GENERIC = 'Sign-in failed. Please try again.';
const THROTTLED = /^Throttled:(\d{1,5})$/;

/** The code authorize() throws for a throttled attempt, with the wait in seconds: "Throttled:120". */
export function throttledCode(retryAfterMs: number): string {
  return `Throttled:${Math.max(1, Math.ceil(retryAfterMs / 1000))}`;
}

export function formatRetry(seconds: number): string {
  if (seconds < 60) return seconds === 1 ? '1 second' : `${seconds} seconds`;
  const m = Math.ceil(seconds / 60);
  return m === 1 ? '1 minute' : `${m} minutes`;
}

/** The text for an error code; null when there is nothing to show. Unknown codes get a generic text. */
export function signInErrorMessage(code: string | null | undefined): string | null {
  if (!code) return null;
  if (Object.hasOwn(SIGN_IN_ERRORS, code)) return SIGN_IN_ERRORS[code as keyof typeof SIGN_IN_ERRORS];
  const throttled = THROTTLED.exec(code);
  if (throttled) return `Too many failed sign-ins. Try again in ${formatRetry(Number(throttled[1]))}.`;
  return GENERIC;
}

/** The code itself when it is one of ours, "Failed" for any other text, undefined for none. */
export function knownSignInErrorCode(code: string | null | undefined): string | undefined {
  if (!code) return undefined;
  return Object.hasOwn(SIGN_IN_ERRORS, code) || THROTTLED.test(code) ? code : 'Failed';
}

/**
 * Where to go after signing in: a path on this site, else "/". The value is resolved the way a
 * browser resolves it (tabs and newlines dropped, backslashes as slashes), so "/\t/evil.example" or
 * "/\\evil.example" — which browsers read as another host — fail the same-origin test.
 */
export function safeCallbackPath(raw: string | null | undefined): string {
  if (!raw || !raw.startsWith('/')) return '/';
  const base = 'http://same-origin.invalid';
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return '/';
  }
  if (url.origin !== base) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}
