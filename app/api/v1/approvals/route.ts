import { parseQuery } from '@/lib/api/parse-request';
import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { listApprovals, ZListApprovals } from '@/lib/core/approvals/list-approvals';

export const dynamic = 'force-dynamic';

export const GET = withApiAuth(async ({ req, db, actor }) => ({ body: await listApprovals(db, parseQuery(req, ZListApprovals), new Date(), actor) }), ROUTES.listApprovals);
