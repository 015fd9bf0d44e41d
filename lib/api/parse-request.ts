import type { z } from 'zod';
import { AppError } from '../core/errors';
import { zodToAppError } from './http-errors';

export const MAX_BODY_BYTES = 256 * 1024;

// The quick start's curl examples send JSON with `-d` and no content type (so curl says
// application/x-www-form-urlencoded); those bodies are still read as JSON. Anything else is refused.
const ACCEPTED_TYPES = /^(application\/json|application\/[\w.+-]+\+json|application\/x-www-form-urlencoded|text\/plain)\b/i;

/**
 * The body as text, read as a stream and refused with 413 as soon as it passes `limit` (a declared
 * Content-Length over it is refused before reading anything): a huge body never sits in memory.
 * Every path that reads a request body goes through here (parseBody, idempotency hashing).
 */
export async function readBodyText(req: Request, limit = MAX_BODY_BYTES): Promise<string> {
  return readLimited(req, limit);
}

async function readLimited(req: Request, limit: number): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > limit) throw new AppError('payload_too_large', `request body is larger than ${limit / 1024} KB`);
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new AppError('payload_too_large', `request body is larger than ${limit / 1024} KB`);
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
}

export const MAX_JSON_DEPTH = 64;

// PostgreSQL cannot store NUL in text or jsonb, and a lone UTF-16 surrogate is not text at all:
// both are refused at the door instead of failing deep in a query.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function assertStorableText(value: string, where: string): void {
  if (UNSTORABLE.test(value)) throw new AppError('validation_failed', `${where} contains a NUL character or invalid unicode`);
}

/** Every string (keys too) in a parsed JSON value must be storable text. */
function assertStorableJson(value: unknown): void {
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') assertStorableText(v, 'request body');
    else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (!Array.isArray(v)) assertStorableText(k, 'request body');
        stack.push(child);
      }
    }
  }
}

/** Nesting depth of a parsed JSON value, without recursion (so a hostile body cannot overflow the stack). */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) max = d;
    if (max > MAX_JSON_DEPTH) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

/** A body read with readBodyText as JSON (undefined when empty), refusing other content types. */
export function parseJsonText(text: string, contentType: string | null): unknown {
  if (text.trim() === '') return undefined;
  if (contentType && !ACCEPTED_TYPES.test(contentType)) throw new AppError('unsupported_media_type', 'send the body as application/json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    throw new AppError('invalid_json', 'request body is not valid JSON');
  }
  if (jsonDepth(parsed) > MAX_JSON_DEPTH) throw new AppError('validation_failed', `request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  assertStorableJson(parsed);
  return parsed;
}

export function parseWith<T extends z.ZodType>(schema: T, value: unknown, where?: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw zodToAppError(r.error, where);
  return r.data;
}

/** The body against its schema; an absent body is `{}` when optional, else a 422. */
export function parseBody<T extends z.ZodType>(text: string, contentType: string | null, schema: T, opts: { optional?: boolean } = {}): z.infer<T> {
  const raw = parseJsonText(text, contentType);
  if (raw === undefined && !opts.optional) throw new AppError('validation_failed', 'request body is required');
  return parseWith(schema, raw ?? {});
}

export function parseQuery<T extends z.ZodType>(req: Request, schema: T): z.infer<T> {
  const url = new URL(req.url);
  const obj: Record<string, string> = {};
  for (const [k, v] of url.searchParams) {
    if (k in obj) throw new AppError('validation_failed', `query parameter ${k} given more than once`);
    assertStorableText(k, 'query');
    assertStorableText(v, `query parameter ${k}`);
    obj[k] = v;
  }
  return parseWith(schema, obj);
}
