import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { decideApproval } from '@/lib/core/approvals/decide-approval';

export const dynamic = 'force-dynamic';

export const POST = withApiAuth(ROUTES.rejectApproval, ({ db, actor, params, body }) => decideApproval(db, actor, params.id, 'reject', body));
