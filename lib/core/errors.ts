/**
 * The one error type domain code throws. The code decides the HTTP status (lib/api/http-errors.ts);
 * the message is safe to show a client.
 */
export const ERROR_CODES = [
  'bad_request',
  'invalid_json',
  'unauthorized',
  'forbidden',
  'self_approval',
  'not_found',
  'conflict',
  'not_running',
  'not_paused',
  'pause_expired',
  'not_pending',
  'already_decided',
  'link_closed',
  'idempotency_in_progress',
  'payload_too_large',
  'unsupported_media_type',
  'validation_failed',
  'context_too_large',
  'idempotency_key_reused',
  'too_many_requests',
  'unavailable',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
