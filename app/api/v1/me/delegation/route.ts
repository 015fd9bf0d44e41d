import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { deleteDelegation, getDelegation, setDelegation } from '@/lib/core/approvals/delegation';

export const dynamic = 'force-dynamic';

export const GET = withApiAuth(ROUTES.getDelegation, ({ db, actor }) => getDelegation(db, actor));

export const PUT = withApiAuth(ROUTES.setDelegation, ({ db, actor, body }) => setDelegation(db, actor, body));

export const DELETE = withApiAuth(ROUTES.deleteDelegation, ({ db, actor }) => deleteDelegation(db, actor));
