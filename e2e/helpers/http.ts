import { BASE_URL } from './env';

export type ApiResponse<T = any> = { status: number; body: T; headers: Headers }; // eslint-disable-line @typescript-eslint/no-explicit-any

export async function call<T = any>( // eslint-disable-line @typescript-eslint/no-explicit-any
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string>; baseUrl?: string } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${opts.baseUrl ?? BASE_URL}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // keep the text
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export const api = (token?: string, baseUrl?: string) => ({
  get: <T = any>(path: string) => call<T>('GET', path, { token, baseUrl }), // eslint-disable-line @typescript-eslint/no-explicit-any
  post: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) => call<T>('POST', path, { token, body, headers, baseUrl }), // eslint-disable-line @typescript-eslint/no-explicit-any
});

/**
 * Web processes cache authenticated tokens and drop an entry when a token or user change is
 * NOTIFYed — milliseconds after the change commits, not before: poll until the request gives what
 * `ok` wants or `withinMs` has passed (far below a cache entry's 30 s life).
 */
export async function settles(request: () => Promise<ApiResponse>, ok: (res: ApiResponse) => boolean, withinMs = 2000): Promise<ApiResponse> {
  const start = Date.now();
  for (;;) {
    const res = await request();
    if (ok(res) || Date.now() - start > withinMs) return res;
    await new Promise((r) => setTimeout(r, 10));
  }
}
