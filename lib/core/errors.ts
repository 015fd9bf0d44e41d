import { z } from 'zod';

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
  'payload_changed',
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

/** What each code means to a client (the OpenAPI document lists them per status): a new code says what it means. */
export const ERROR_MEANINGS: Record<ErrorCode, string> = {
  bad_request: 'the request is malformed',
  invalid_json: 'the body is not valid JSON',
  unauthorized: 'no valid credentials: missing, malformed, unknown, revoked or expired',
  forbidden: 'a permission or role is missing, or a session’s write came from another origin',
  self_approval: 'whoever started or paused the execution cannot decide its approval',
  not_found: 'no such id (or key)',
  conflict: 'the current state does not allow it, or another request changed it first (re-read and retry)',
  not_running: 'the execution is not running',
  not_paused: 'the execution is not paused',
  pause_expired: 'the pause has expired',
  not_pending: 'the approval is no longer pending',
  already_decided: 'the caller has already decided this approval',
  payload_changed: 'the payload the vote was cast on is no longer the current one (an approver edited it): re-read the request and decide on its current payload_version',
  idempotency_in_progress: 'a request with this Idempotency-Key is still running',
  payload_too_large: 'the body is larger than the API accepts (the message says the limit)',
  unsupported_media_type: 'the body is not JSON',
  validation_failed: 'invalid input: the message and `details` name each bad field (unknown query parameters included)',
  idempotency_key_reused: 'the Idempotency-Key was used for a different request',
  too_many_requests: 'too many requests; retry later',
  unavailable: 'the database is unavailable; retry after the Retry-After header’s seconds',
  link_closed: 'the decision link can no longer decide: the request is decided or expired, the link used, or the request reassigned',
  context_too_large: 'the change would take the execution context past MAX_CONTEXT_BYTES; nothing was written',
  internal: 'an unexpected error (logged with the request id); nothing about it is revealed',
};

/** The one error body every route answers with (lib/api/http-errors.ts writes it). */
export const ZErrorBody = z
  .strictObject({
    error: z.strictObject({
      code: z.enum(ERROR_CODES),
      message: z.string().meta({ description: 'Safe to show; never contains internals' }),
      details: z
        .array(z.strictObject({ path: z.string(), message: z.string() }))
        .optional()
        .meta({ description: 'Only on 422 validation_failed: one entry per invalid field' }),
    }),
  })
  .meta({ description: 'The one error body of every route' });
export type ErrorBody = z.infer<typeof ZErrorBody>;

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
