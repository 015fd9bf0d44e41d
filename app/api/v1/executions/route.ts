import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { listExecutions } from '@/lib/core/executions/list-executions';
import { startExecution } from '@/lib/core/executions/start-execution';

export const dynamic = 'force-dynamic';

export const GET = withApiAuth(ROUTES.listExecutions, ({ db, query }) => listExecutions(db, query));

export const POST = withApiAuth(ROUTES.startExecution, ({ db, actor, body }) => startExecution(db, actor, body));
