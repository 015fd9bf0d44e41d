import { expect } from 'vitest';
import type { ErrorBody } from '@/lib/core/errors';
import { BASE_URL } from './env';

export type { ErrorBody } from '@/lib/core/errors';

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

// Things that must never reach a client: stack frames, file paths, SQL.
const LEAKS = [/\n\s+at\s/, /node_modules/, /\/\.next[\w-]*\//, /\bselect\b.+\bfrom\b/i, /\binsert into\b/i, /\bupdate\s+"/i, /violates|syntax error at/i, /workflow_executions|api_tokens/];

/** The one error body: exactly {"error":{"code","message"}} (details only on 422), nothing leaked. */
export function expectError(res: ApiResponse, status: number, code: string): ErrorBody {
  expect({ status: res.status, body: res.body }).toMatchObject({ status, body: { error: { code } } });
  const body = res.body as ErrorBody;
  expect(Object.keys(body)).toEqual(['error']);
  const allowed = status === 422 ? ['code', 'message', 'details'] : ['code', 'message'];
  for (const k of Object.keys(body.error)) expect(allowed).toContain(k);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  const text = JSON.stringify(body);
  for (const re of LEAKS) expect(text).not.toMatch(re);
  expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  return body;
}

/** A fetch with full control over the body bytes and the content type (null: none at all). */
export async function rawRequest(
  method: string,
  urlPath: string,
  opts: { token?: string; authorization?: string; body?: string | Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>; contentType?: string | null; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.authorization !== undefined) headers.authorization = opts.authorization;
  let body: BodyInit | undefined;
  if (typeof opts.body === 'string') {
    // A Uint8Array body carries no content type of its own, so the header is exactly what we set.
    body = new TextEncoder().encode(opts.body);
  } else body = opts.body;
  if (opts.contentType) headers['content-type'] = opts.contentType;
  const init: RequestInit & { duplex?: 'half' } = { method, headers, body };
  if (opts.body instanceof ReadableStream) init.duplex = 'half';
  const res = await fetch(`${BASE_URL}${urlPath}`, init);
  // An event stream stays open: its first chunk is the answer.
  if (res.ok && res.headers.get('content-type')?.startsWith('text/event-stream')) {
    const reader = res.body!.getReader();
    const first = await reader.read();
    await reader.cancel();
    return { status: res.status, body: new TextDecoder().decode(first.value), headers: res.headers };
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
