import { createHmac, timingSafeEqual } from 'node:crypto';
import { authSecret } from '../auth/auth-secret';
import { ZDecideApproval } from '../core/approvals/decide-approval';
import { decideByLink, viewDecisionLink, type DecisionLinkDto, type DecisionLinkView } from '../core/notifications/decision-links';
import { AppError } from '../core/errors';
import { getDb } from '../db/client';
import { parseBody, readBodyText } from './parse-request';

export const CSRF_HEADER = 'x-csrf-token';

/** Bound to the link and this deployment's secret: only a page (or client) that read the link has it. */
function csrfTokenFor(linkId: string): string {
  return createHmac('sha256', authSecret()).update(`decision-link:${linkId}`).digest('base64url');
}

/**
 * A decision through a link is a POST that carries the CSRF token the link's GET handed out, in a
 * header: a form or an image on another site cannot set one (and a cross-site fetch that tries is
 * stopped by CORS before it is sent), and a browser's cross-site request is refused outright.
 */
function assertCsrf(req: Request, linkId: string) {
  const site = req.headers.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') throw new AppError('forbidden', 'cross-origin request refused');
  const given = Buffer.from(req.headers.get(CSRF_HEADER) ?? '');
  const expected = Buffer.from(csrfTokenFor(linkId));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AppError('forbidden', `missing or wrong ${CSRF_HEADER}: open the link's page and decide there`);
  }
}

function present(view: DecisionLinkView): DecisionLinkDto {
  const { link_id: linkId, ...rest } = view;
  return { ...rest, csrf_token: view.state === 'open' ? csrfTokenFor(linkId) : null } satisfies DecisionLinkDto;
}

/** GET /api/v1/decision-links/{token}: what the link's page shows. Never decides anything. */
export async function showDecisionLink(_req: Request, { token }: { token: string }): Promise<Response> {
  const view = await viewDecisionLink(getDb(), token);
  if (!view) throw new AppError('not_found', 'unknown decision link');
  return Response.json(present(view), { headers: { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } });
}

/** POST /api/v1/decision-links/{token}/approve|reject: the decision, as the link's recipient. */
export function decideThroughLink(decision: 'approve' | 'reject') {
  return async (req: Request, { token }: { token: string }): Promise<Response> => {
    const db = getDb();
    const view = await viewDecisionLink(db, token);
    if (!view) throw new AppError('not_found', 'unknown decision link');
    if (view.state !== 'open') throw new AppError('link_closed', view.message);
    assertCsrf(req, view.link_id);
    const input = parseBody(await readBodyText(req), req.headers.get('content-type'), ZDecideApproval, { optional: true });
    return Response.json(present(await decideByLink(db, token, decision, input)), { headers: { 'cache-control': 'no-store' } });
  };
}
