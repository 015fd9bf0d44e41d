import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { authenticateToken } from '../core/access/api-tokens';
import { createTokenCache, type TokenCache } from '../core/access/token-cache';
import { hasPermissions, type Actor } from '../core/access/permissions';
import { AppError } from '../core/errors';
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from '../core/idempotency';
import { databaseUrl, getDb, type Db } from '../db/client';
import { resolveSessionActor } from '../auth/session-actor';
import { log, withLogContext } from '../log';
import { observeHttpRequest } from '../observability/registry';
import { toErrorResponse } from './http-errors';
import { parseBody, parseQuery, readBodyText } from './parse-request';
import type { RouteSpec } from './route-table';

type RouteParams = Record<string, string | string[] | undefined>;

/** `/api/v1/executions/{id}/pause` → `{ id: string }`. */
type PathParams<P extends string> = P extends `${string}{${infer K}}${infer Rest}` ? { [k in K]: string } & PathParams<Rest> : unknown;
/** The parsed body or query of a route, or undefined when its entry has no schema for it. */
type Parsed<R, K extends 'body' | 'query'> = R extends { [k in K]: infer S extends z.ZodType } ? z.output<S> : undefined;
/** What a handler returns: the success body its entry's `response` schema describes (or a Response for a raw body). */
export type HandlerResult<R extends RouteSpec> = R extends { response: infer S extends z.ZodType }
  ? z.input<S> | (R extends { otherResponses: Record<number, unknown> } ? Response : never)
  : Response;

export type ApiContext<R extends RouteSpec> = {
  req: Request;
  actor: Actor;
  params: PathParams<R['path']>;
  body: Parsed<R, 'body'>;
  query: Parsed<R, 'query'>;
  db: Db;
  requestId: string;
};

/** A route whose entry takes no query parameters refuses any (422), so a typo shows instead of being ignored. */
const NO_QUERY = z.strictObject({});

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

async function withIdempotency(db: Db, actor: Actor, req: Request, key: string, bodyText: string, run: () => Promise<Response>): Promise<Response> {
  if (key.length > 200) throw new AppError('validation_failed', 'Idempotency-Key is longer than 200 characters');
  const scope = `${req.method} ${new URL(req.url).pathname}`;
  const requestHash = createHash('sha256').update(scope).update('\n').update(bodyText).digest('hex');
  const claim = await claimIdempotencyKey(db, { actor: actor.id, key, scope, requestHash });
  if (claim.kind === 'taken') {
    if (claim.requestHash !== requestHash) throw new AppError('idempotency_key_reused', 'this Idempotency-Key was used for a different request');
    if (claim.statusCode === null) throw new AppError('idempotency_in_progress', 'a request with this Idempotency-Key is still in progress');
    return Response.json(claim.response, { status: claim.statusCode, headers: { 'idempotent-replayed': 'true' } });
  }
  const release = () => releaseIdempotencyKey(db, actor.id, key, claim.claimedAt);
  try {
    const res = await run();
    if (res.status >= 200 && res.status < 300) {
      const body: unknown = await res.clone().json();
      await completeIdempotencyKey(db, actor.id, key, claim.claimedAt, res.status, body);
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

function requestIdOf(req: Request): string {
  return req.headers.get('x-request-id')?.slice(0, 100) || randomUUID();
}

/** Request id, log context, the error mapping, the one log line and the duration metric: for every route. */
function handle(req: Request, route: RouteSpec, quiet: boolean, run: (ctx: { requestId: string; actorId: string | null }) => Promise<Response>): Promise<Response> {
  const ctx = { requestId: requestIdOf(req), actorId: null as string | null };
  const startedAt = performance.now();
  return withLogContext({ requestId: ctx.requestId }, async () => {
    let res: Response;
    try {
      res = await run(ctx);
      try {
        res.headers.set('x-request-id', ctx.requestId);
      } catch {
        // immutable headers (a proxied response): leave them
      }
    } catch (e) {
      res = toErrorResponse(e, ctx.requestId);
    }
    finishRequest(req, route.path, res, startedAt, ctx.actorId, quiet);
    return res;
  });
}

/**
 * The handler of an authenticated route, driven by its route table entry: resolves the actor (Bearer
 * token or session cookie), checks the entry's permissions, parses the query and the body with its
 * schemas, applies idempotency, answers with its success status, and maps every error to the one
 * error body. The handler cannot disagree with the table: its inputs and its result are typed from it.
 */
export function withApiAuth<const R extends RouteSpec>(route: R, handler: (ctx: ApiContext<R>) => Promise<HandlerResult<R>>) {
  return (req: Request, routeCtx: { params: Promise<RouteParams> }): Promise<Response> =>
    handle(req, route, false, async (ctx) => {
      const actor = await resolveActor(req);
      ctx.actorId = actor.id;
      if (!hasPermissions(actor, route.permissions)) {
        throw new AppError('forbidden', `missing permission: ${route.permissions.filter((p) => !actor.permissions.has(p)).join(', ')}`);
      }
      const params = ((await routeCtx.params) ?? {}) as PathParams<R['path']>;
      const query = parseQuery(req, route.query ?? NO_QUERY);
      const bodyText = route.body ? await readBodyText(req) : '';
      const db = getDb();
      const run = async (): Promise<Response> => {
        const body = route.body ? parseBody(bodyText, req.headers.get('content-type'), route.body, { optional: route.bodyOptional }) : undefined;
        const result: unknown = await handler({
          req,
          actor,
          params,
          body: body as Parsed<R, 'body'>,
          query: (route.query ? query : undefined) as Parsed<R, 'query'>,
          db,
          requestId: ctx.requestId,
        });
        return result instanceof Response ? result : Response.json(result, { status: route.successStatus ?? 200 });
      };
      const key = route.idempotent ? req.headers.get('idempotency-key') : null;
      return key ? withIdempotency(db, actor, req, key, bodyText, run) : run();
    });
}

/**
 * The handler of a route without authentication (health, readiness, the OpenAPI document, metrics
 * read with METRICS_TOKEN): the same request id, query check, error mapping and duration metric; the
 * log line is at debug level, as probes and scrapes are frequent.
 */
export function withPublicRoute<const R extends RouteSpec>(route: R, handler: (req: Request, params: PathParams<R['path']>) => Promise<Response>) {
  // Probes and the document are asked for often: their log line is at debug level.
  const quiet = route.database === false;
  return (req: Request, routeCtx?: { params: Promise<RouteParams> }): Promise<Response> =>
    handle(req, route, quiet, async () => {
      parseQuery(req, route.query ?? NO_QUERY);
      return handler(req, ((await routeCtx?.params) ?? {}) as PathParams<R['path']>);
    });
}
