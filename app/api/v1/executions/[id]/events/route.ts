import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { listExecutionEvents } from '@/lib/core/executions/get-execution';

export const dynamic = 'force-dynamic';

export const GET = withApiAuth(ROUTES.listExecutionEvents, ({ db, params, query }) => listExecutionEvents(db, params.id, query));
