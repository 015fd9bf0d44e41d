import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { listApprovals } from '@/lib/core/approvals/list-approvals';

export const dynamic = 'force-dynamic';

export const GET = withApiAuth(ROUTES.listApprovals, ({ db, query }) => listApprovals(db, query));
