import { parseQuery } from '@/lib/api/parse-request';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { listApprovals, ZListApprovals } from '@/lib/core/approvals/list-approvals';

export const dynamic = 'force-dynamic';

export const GET = withApiAuth(async ({ req, db }) => ({ body: await listApprovals(db, parseQuery(req, ZListApprovals)) }), {
  permissions: ['approval:read'],
});
