import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { getExecution } from '@/lib/core/executions/get-execution';

export const dynamic = 'force-dynamic';

export const GET = withApiAuth(ROUTES.getExecution, ({ db, params }) => getExecution(db, params.id));
