import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { reopenApproval } from '@/lib/core/approvals/reopen-approval';

export const dynamic = 'force-dynamic';

export const POST = withApiAuth(ROUTES.reopenApproval, ({ db, actor, params, body }) => reopenApproval(db, actor, params.id, body));
