import { createHash, randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { authenticateToken } from '../core/access/api-tokens';
import { hasPermissions, type Actor, type Permission } from '../core/access/permissions';
import { AppError } from '../core/errors';
import { getDb, type Db } from '../db/client';
import { idempotencyKeys } from '../db/schema';
import { resolveSessionActor } from '../auth/session-actor';
import { toErrorResponse } from './http-errors';

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
};

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

export async function resolveActor(req: Request): Promise<Actor> {
  const auth = req.headers.get('authorization');
  if (auth !== null) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!m) throw new AppError('unauthorized', 'malformed Authorization header; use "Bearer <token>"');
    return authenticateToken(getDb(), m[1]!);
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
  const bodyText = await ctx.req.text();
  const scope = `${ctx.req.method} ${url.pathname}`;
  const requestHash = createHash('sha256').update(scope).update('\n').update(bodyText).digest('hex');
  const inserted = await ctx.db
    .insert(idempotencyKeys)
    .values({ actor: ctx.actor.id, key, scope, requestHash })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (inserted.length === 0) {
    const [prev] = await ctx.db
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.actor, ctx.actor.id), eq(idempotencyKeys.key, key)));
    if (!prev || prev.requestHash !== requestHash) {
      throw new AppError('idempotency_key_reused', 'this Idempotency-Key was used for a different request');
    }
    if (prev.statusCode === null) throw new AppError('idempotency_in_progress', 'a request with this Idempotency-Key is still in progress');
    return Response.json(prev.response, { status: prev.statusCode, headers: { 'x-request-id': ctx.requestId, 'idempotent-replayed': 'true' } });
  }
  const release = () =>
    ctx.db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.actor, ctx.actor.id), eq(idempotencyKeys.key, key)));
  try {
    const replay = new Request(ctx.req.url, { method: ctx.req.method, headers: ctx.req.headers, body: bodyText || undefined });
    const result = await run(replay);
    const res = toResponse(result, ctx.requestId);
    if (res.status >= 200 && res.status < 300) {
      const body: unknown = await res.clone().json();
      await ctx.db
        .update(idempotencyKeys)
        .set({ statusCode: res.status, response: body })
        .where(and(eq(idempotencyKeys.actor, ctx.actor.id), eq(idempotencyKeys.key, key)));
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
    try {
      const actor = await resolveActor(req);
      if (!hasPermissions(actor, options.permissions)) {
        throw new AppError('forbidden', `missing permission: ${options.permissions.filter((p) => !actor.permissions.has(p)).join(', ')}`);
      }
      const params = (await routeCtx.params) ?? ({} as P);
      const ctx: ApiContext<P> = { req, actor, params, db: getDb(), requestId };
      const key = options.idempotent ? req.headers.get('idempotency-key') : null;
      if (key) return await withIdempotency(ctx as ApiContext, key, (r) => handler({ ...ctx, req: r }));
      return toResponse(await handler(ctx), requestId);
    } catch (e) {
      return toErrorResponse(e, requestId);
    }
  };
}

/** For routes without authentication (health): the same error mapping. */
export function withErrors(handler: (req: Request) => Promise<Response>) {
  return async (req: Request): Promise<Response> => {
    try {
      return await handler(req);
    } catch (e) {
      return toErrorResponse(e);
    }
  };
}
