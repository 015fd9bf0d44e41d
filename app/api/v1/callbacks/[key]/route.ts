import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { sendCallback } from '@/lib/core/callbacks/send-callback';

export const dynamic = 'force-dynamic';

export const POST = withApiAuth(ROUTES.sendCallback, async ({ db, actor, params, body }) => {
  const r = await sendCallback(db, actor, params.key, body);
  return r.kind === 'resumed' ? r.execution : Response.json(r.held, { status: 202 });
});
