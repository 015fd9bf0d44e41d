import { AppError } from './errors';

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

export function decodeKeysetCursor(cursor: string): { at: Date; id: string } {
  const [ts, id] = decodeCursor(cursor, ['string', 'string']) as [string, string];
  const at = new Date(ts);
  if (Number.isNaN(at.getTime()) || !isUuid(id)) throw new AppError('validation_failed', 'invalid cursor');
  return { at, id };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(s: string): boolean {
  return UUID.test(s);
}
