import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { getApproval } from '@/lib/core/approvals/get-approval';

export const dynamic = 'force-dynamic';

export const GET = withApiAuth(ROUTES.getApproval, ({ db, params }) => getApproval(db, params.id));
