/** The console's one way to the server: the public /api/v1, with the session cookie. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Text the console wrote itself and may show as it is (the server's message never is shown). */
    readonly display?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** What people read for each error code: fixed texts, never the server's message (lib/core/errors.ts has the codes). */
const TEXT_BY_CODE: Record<string, string> = {
  unauthorized: 'Your session expired — sign in again.',
  forbidden: 'You do not have permission to do this.',
  self_approval: 'You started or paused this execution, so someone else must decide (no self-approval).',
  not_found: 'It no longer exists, or the link is wrong.',
  conflict: 'It changed while you were acting on it. Try again.',
  not_running: 'It is no longer running.',
  not_paused: 'It is no longer paused.',
  pause_expired: 'The pause has expired.',
  not_pending: 'Already decided by someone else.',
  already_decided: 'You already decided on this approval.',
  payload_changed: 'The payload changed since you looked (someone approved it with edits). Review the current version and decide again.',
  idempotency_in_progress: 'The same request is still being processed. Try again in a moment.',
  payload_too_large: 'That is too large to send.',
  context_too_large: 'That would make the execution’s data too large.',
  validation_failed: 'The server did not accept the input. Check it and try again.',
  too_many_requests: 'Too many requests. Wait a moment and try again.',
  unavailable: 'The server cannot answer right now. Try again shortly.',
};

/** The fixed text for an error from the API. */
export function apiErrorText(e: ApiError): string {
  return e.display ?? TEXT_BY_CODE[e.code] ?? (e.status >= 500 ? 'Something went wrong on the server. Try again.' : 'The request was refused.');
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

type Query = Record<string, string | number | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export async function apiFetch<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers: init.body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: init.signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    const text = 'Cannot reach the server. Check your connection; retrying automatically.';
    throw new ApiError(0, 'network', text, text);
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, err?.code ?? 'http_error', err?.message ?? `The server answered ${res.status}.`);
  }
  return body as T;
}
