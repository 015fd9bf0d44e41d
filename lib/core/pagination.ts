import { z } from 'zod';
import { AppError } from './errors';
import { isUuid } from './ids';

/**
 * Keyset paging, the same for every list: `limit` and `cursor` in the query, `next_cursor` in the
 * answer (null on the last page). A cursor is the last row's sort key (timestamp, id), opaque to
 * clients; the list's statement continues after it with a row comparison.
 */
/** The largest page a list returns. */
export const MAX_PAGE_SIZE = 100;

export const PAGE_QUERY = {
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(20),
  cursor: z.string().max(500).optional(),
};

export const ZNextCursor = z.string().nullable().meta({ description: 'Pass as `cursor` to get the next page; null on the last page' });

/** Opaque keyset cursors: base64url of a JSON tuple, validated on the way back in. */
export function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(cursor: string, shape: ('string' | 'number')[]): (string | number)[] {
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parts) && parts.length === shape.length && parts.every((p, i) => typeof p === shape[i])) {
      return parts as (string | number)[];
    }
  } catch {
    // fall through
  }
  throw new AppError('validation_failed', 'invalid cursor');
}

/** A (timestamp, uuid) keyset cursor, fully validated: a crafted cursor is a 422, never a 500. */
export function encodeKeysetCursor(at: Date, id: string): string {
  return encodeCursor([at.toISOString(), id]);
}

// Exactly what encodeKeysetCursor writes: toISOString() of a date in the years 0001-9999. JavaScript
// dates also take year 0, six-digit and negative years ("-005000-01-01T…"), which PostgreSQL refuses.
const CURSOR_TIMESTAMP = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function decodeKeysetCursor(cursor: string): { at: Date; id: string } {
  const [ts, id] = decodeCursor(cursor, ['string', 'string']) as [string, string];
  const at = new Date(ts);
  // The round trip refuses dates that do not exist (2025-02-30) and anything JavaScript would bend.
  if (!CURSOR_TIMESTAMP.test(ts) || Number.isNaN(at.getTime()) || at.toISOString() !== ts || !isUuid(id)) {
    throw new AppError('validation_failed', 'invalid cursor');
  }
  return { at, id };
}

/** A cursor over an increasing bigint id (the timeline's event ids). */
export function encodeIdCursor(id: number): string {
  return encodeCursor([id]);
}

export function decodeIdCursor(cursor: string): number {
  const [id] = decodeCursor(cursor, ['number']) as [number];
  if (!Number.isSafeInteger(id) || id < 1) throw new AppError('validation_failed', 'invalid cursor');
  return id;
}
