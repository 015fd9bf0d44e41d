import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { cancelExecution } from '@/lib/core/executions/cancel-execution';

export const dynamic = 'force-dynamic';

export const POST = withApiAuth(ROUTES.cancelExecution, ({ db, actor, params, body }) => cancelExecution(db, actor, params.id, body));
