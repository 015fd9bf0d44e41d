import { env } from '../../env';
import { AppError } from '../errors';

/** The context's size as stored and served: its JSON text in UTF-8 bytes. */
export function contextBytes(context: unknown): number {
  return Buffer.byteLength(JSON.stringify(context ?? {}));
}

/** Null when the context fits MAX_CONTEXT_BYTES, else the message saying by how much it does not. */
export function contextOverLimit(context: unknown, what: string): string | null {
  const max = env().MAX_CONTEXT_BYTES;
  const bytes = contextBytes(context);
  return bytes > max ? `${what} would make the context ${bytes} bytes, over the limit of ${max} bytes (MAX_CONTEXT_BYTES)` : null;
}

/**
 * Every merge into a context — the trigger payload at start, resume data, an approval's decision, a
 * set step run in the request that caused it — is checked with this before anything is written: a
 * context never grows past MAX_CONTEXT_BYTES, and the request that would grow it gets 422.
 */
export function assertContextFits(context: unknown, what: string): void {
  const over = contextOverLimit(context, what);
  if (over) throw new AppError('context_too_large', over);
}
