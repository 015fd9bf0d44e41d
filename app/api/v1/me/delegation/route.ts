import { parseBody } from '@/lib/api/parse-request';
import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { deleteDelegation, getDelegation, setDelegation, ZSetDelegation } from '@/lib/core/approvals/delegation';

export const dynamic = 'force-dynamic';

export const GET = withApiAuth(async ({ db, actor }) => ({ body: await getDelegation(db, actor) }), ROUTES.getDelegation);

export const PUT = withApiAuth(async ({ req, db, actor }) => ({ body: await setDelegation(db, actor, await parseBody(req, ZSetDelegation)) }), ROUTES.setDelegation);

export const DELETE = withApiAuth(async ({ db, actor }) => ({ body: await deleteDelegation(db, actor) }), ROUTES.deleteDelegation);
