import { createHash, randomUUID } from 'node:crypto';
import { authenticateToken } from '../core/access/api-tokens';
import { createTokenCache, type TokenCache } from '../core/access/token-cache';
import { hasPermissions, type Actor, type Permission } from '../core/access/permissions';
import { AppError } from '../core/errors';
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from '../core/idempotency';
import { databaseUrl, getDb, type Db } from '../db/client';
import { resolveSessionActor } from '../auth/session-actor';
import { log, withLogContext } from '../log';
import { observeHttpRequest } from '../observability/registry';
import { toErrorResponse } from './http-errors';
import { readBodyText } from './parse-request';

type Params = Record<string, string | string[] | undefined>;

export type ApiContext<P extends Params = Params> = {
  req: Request;
  actor: Actor;
  params: P;
  db: Db;
  requestId: string;
  /** The raw body text, read once (for idempotency hashing); handlers parse it with parseBody. */
};

export type HandlerResult = Response | { status?: number; body: unknown };

type Options = {
  permissions: readonly Permission[];
  /** Honour an Idempotency-Key header: a retry returns the first response. */
  idempotent?: boolean;
  /** The route template (route-table.ts carries it), used as the route label of logs and metrics. */
  path?: string;
};

const UUID_SEGMENT = /\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?=\/|$)/gi;

/** A bounded route label: the template when known, else the path with ids replaced by {id}. */
function routeLabel(req: Request, template?: string): string {
  if (template) return template;
  try {
    return new URL(req.url).pathname.replace(UUID_SEGMENT, '/{id}').replace(/\/\d+(?=\/|$)/g, '/{id}');
  } catch {
    return 'unknown';
  }
}

/**
 * The one request log line and the request duration metric. Only method, route template, status,
 * duration and actor id: never headers, bodies, query strings, tokens or cookies.
 */
function finishRequest(req: Request, route: string, res: Response, startedAt: number, actorId: string | null, quiet = false) {
  try {
    const seconds = (performance.now() - startedAt) / 1000;
    observeHttpRequest(req.method, route, res.status, seconds);
    const fields = { method: req.method, route, status: res.status, duration_ms: Math.round(seconds * 10_000) / 10, actor: actorId };
    if (res.status >= 500) log.warn(fields, 'request failed');
    else if (quiet) log.debug(fields, 'request');
    else log.info(fields, 'request');
  } catch {
    // observability must never fail a request
  }
}

function isWrite(method: string) {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method);
}

/** Writes carried by a browser cookie must come from our own origin (CSRF). */
function assertSameOrigin(req: Request) {
  const site = req.headers.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') throw new AppError('forbidden', 'cross-origin request refused');
  const origin = req.headers.get('origin');
  if (origin) {
    const host = req.headers.get('x-forwarded-host') ?? req.headers.get('host');
    let originHost: string | null = null;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = null;
    }
    if (!host || originHost !== host) throw new AppError('forbidden', 'cross-origin request refused');
  }
}

// One cache per process, on globalThis: Next.js bundles this module into several route chunks.
const g = globalThis as unknown as { __wrTokenCache?: TokenCache };
function tokenCache(): TokenCache {
  return (g.__wrTokenCache ??= createTokenCache({ connectionString: databaseUrl(), log }));
}

export async function resolveActor(req: Request): Promise<Actor> {
  const auth = req.headers.get('authorization');
  if (auth !== null) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!m) throw new AppError('unauthorized', 'malformed Authorization header; use "Bearer <token>"');
    return authenticateToken(getDb(), m[1]!, new Date(), tokenCache());
  }
  const session = await resolveSessionActor(req);
  if (!session) throw new AppError('unauthorized', 'authentication required: send a Bearer token or sign in');
  if (isWrite(req.method)) assertSameOrigin(req);
  return session;
}

function toResponse(result: HandlerResult, requestId: string): Response {
  if (result instanceof Response) {
    result.headers.set('x-request-id', requestId);
    return result;
  }
  return Response.json(result.body, { status: result.status ?? 200, headers: { 'x-request-id': requestId } });
}

async function withIdempotency(
  ctx: ApiContext,
  key: string,
  run: (req: Request) => Promise<HandlerResult>,
): Promise<Response> {
  if (key.length > 200) throw new AppError('validation_failed', 'Idempotency-Key is longer than 200 characters');
  const url = new URL(ctx.req.url);
  // The body limit holds here as on every path: streamed, refused with 413 past 256 KB.
  const bodyText = await readBodyText(ctx.req);
  const scope = `${ctx.req.method} ${url.pathname}`;
  const requestHash = createHash('sha256').update(scope).update('\n').update(bodyText).digest('hex');
  const actor = ctx.actor.id;
  const claim = await claimIdempotencyKey(ctx.db, { actor, key, scope, requestHash });
  if (claim.kind === 'taken') {
    if (claim.requestHash !== requestHash) throw new AppError('idempotency_key_reused', 'this Idempotency-Key was used for a different request');
    if (claim.statusCode === null) throw new AppError('idempotency_in_progress', 'a request with this Idempotency-Key is still in progress');
    return Response.json(claim.response, { status: claim.statusCode, headers: { 'x-request-id': ctx.requestId, 'idempotent-replayed': 'true' } });
  }
  const release = () => releaseIdempotencyKey(ctx.db, actor, key, claim.claimedAt);
  try {
    const replay = new Request(ctx.req.url, { method: ctx.req.method, headers: ctx.req.headers, body: bodyText || undefined });
    const result = await run(replay);
    const res = toResponse(result, ctx.requestId);
    if (res.status >= 200 && res.status < 300) {
      const body: unknown = await res.clone().json();
      await completeIdempotencyKey(ctx.db, actor, key, claim.claimedAt, res.status, body);
    } else {
      await release();
    }
    return res;
  } catch (e) {
    // Only successes are remembered: a failed attempt may be retried with the same key.
    await release().catch(() => undefined);
    throw e;
  }
}

/**
 * Wraps a route handler: resolves the actor (Bearer token or session cookie), checks permissions
 * from the one table, applies idempotency, and maps every error to the one error body.
 */
export function withApiAuth<P extends Params = Params>(
  handler: (ctx: ApiContext<P>) => Promise<HandlerResult>,
  options: Options,
) {
  return async (req: Request, routeCtx: { params: Promise<P> }): Promise<Response> => {
    const requestId = req.headers.get('x-request-id')?.slice(0, 100) || randomUUID();
    const startedAt = performance.now();
    const route = routeLabel(req, options.path);
    return withLogContext({ requestId }, async () => {
      let actorId: string | null = null;
      let res: Response;
      try {
        const actor = await resolveActor(req);
        actorId = actor.id;
        if (!hasPermissions(actor, options.permissions)) {
          throw new AppError('forbidden', `missing permission: ${options.permissions.filter((p) => !actor.permissions.has(p)).join(', ')}`);
        }
        const params = (await routeCtx.params) ?? ({} as P);
        const ctx: ApiContext<P> = { req, actor, params, db: getDb(), requestId };
        const key = options.idempotent ? req.headers.get('idempotency-key') : null;
        if (key) res = await withIdempotency(ctx as ApiContext, key, (r) => handler({ ...ctx, req: r }));
        else res = toResponse(await handler(ctx), requestId);
      } catch (e) {
        res = toErrorResponse(e, requestId);
      }
      finishRequest(req, route, res, startedAt, actorId);
      return res;
    });
  };
}

/**
 * For routes without authentication (health, ready, the OpenAPI document): the same error mapping,
 * request id, request log line (at debug level: probes are frequent) and duration metric.
 */
export function withErrors(handler: (req: Request) => Promise<Response>, options: { path?: string } = {}) {
  return async (req: Request): Promise<Response> => {
    const requestId = req.headers.get('x-request-id')?.slice(0, 100) || randomUUID();
    const startedAt = performance.now();
    return withLogContext({ requestId }, async () => {
      let res: Response;
      try {
        res = await handler(req);
        try {
          if (!res.headers.has('x-request-id')) res.headers.set('x-request-id', requestId);
        } catch {
          // immutable headers (a proxied response): leave them
        }
      } catch (e) {
        res = toErrorResponse(e, requestId);
      }
      finishRequest(req, routeLabel(req, options.path), res, startedAt, null, true);
      return res;
    });
  };
}
