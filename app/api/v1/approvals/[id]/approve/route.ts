import { parseBody } from '@/lib/api/parse-request';
import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { decideApproval, ZDecideApproval } from '@/lib/core/approvals/decide-approval';

export const dynamic = 'force-dynamic';

export const POST = withApiAuth<{ id: string }>(
  async ({ req, db, actor, params }) => ({
    body: await decideApproval(db, actor, params.id, 'approve', await parseBody(req, ZDecideApproval, { optional: true })),
  }),
  ROUTES.approveApproval,
);
