import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { getWorkflow } from '@/lib/core/workflows/workflows';

export const dynamic = 'force-dynamic';

export const GET = withApiAuth(ROUTES.getWorkflow, ({ db, params }) => getWorkflow(db, params.id));
