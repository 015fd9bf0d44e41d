import { ZodError } from 'zod';
import { AppError, type ErrorBody, type ErrorCode } from '../core/errors';
import { log } from '../log';

/** The one mapping from domain error codes to HTTP statuses. */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  bad_request: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  self_approval: 403,
  not_found: 404,
  conflict: 409,
  not_running: 409,
  not_paused: 409,
  pause_expired: 409,
  not_pending: 409,
  already_decided: 409,
  payload_changed: 409,
  link_closed: 410,
  idempotency_in_progress: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  context_too_large: 422,
  idempotency_key_reused: 422,
  too_many_requests: 429,
  unavailable: 503,
  internal: 500,
};

export function zodToAppError(err: ZodError, where?: string): AppError {
  const issues = err.issues.map((i) => ({ path: [...(where ? [where] : []), ...i.path.map(String)].join('.'), message: i.message }));
  const first = issues[0];
  const message = first ? (first.path ? `${first.path}: ${first.message}` : first.message) : 'invalid input';
  return new AppError('validation_failed', message, issues);
}

// Errors from the database driver that mean "the database is away", not "the request is wrong".
const UNAVAILABLE_PG_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004', '53300']);
function isDatabaseUnavailable(err: unknown): boolean {
  // drizzle wraps driver errors (DrizzleQueryError), so look down the cause chain.
  for (let e = err as { code?: string; message?: string; cause?: unknown } | undefined, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if (e.code && (UNAVAILABLE_PG_CODES.has(e.code) || ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(e.code))) return true;
    if (/Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect|terminating connection due to administrator command|the database system is (starting up|shutting down)/i.test(e.message ?? '')) {
      return true;
    }
    e = e.cause as typeof e;
  }
  return false;
}

/** Turns any thrown value into the one error body. Unknown errors stay opaque and go to the log. */
export function toErrorResponse(err: unknown, requestId?: string): Response {
  let appErr: AppError;
  if (err instanceof AppError) appErr = err;
  else if (err instanceof ZodError) appErr = zodToAppError(err);
  else if (isDatabaseUnavailable(err)) {
    log.warn({ requestId, err: (err as Error).message }, 'database unavailable');
    appErr = new AppError('unavailable', 'the database is unavailable; retry shortly');
  } else {
    log.error({ requestId, err }, 'unhandled error');
    appErr = new AppError('internal', 'internal error');
  }
  const body: ErrorBody = { error: { code: appErr.code, message: appErr.message } };
  if (appErr.details !== undefined && appErr.code === 'validation_failed') body.error.details = appErr.details as ErrorBody['error']['details'];
  const headers: Record<string, string> = {};
  if (requestId) headers['x-request-id'] = requestId;
  if (appErr.code === 'unavailable') headers['retry-after'] = '1';
  return Response.json(body, { status: STATUS_BY_CODE[appErr.code], headers });
}
