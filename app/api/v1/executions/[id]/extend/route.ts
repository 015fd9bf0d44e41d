import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { extendExecution } from '@/lib/core/executions/extend-execution';

export const dynamic = 'force-dynamic';

export const POST = withApiAuth(ROUTES.extendExecution, ({ db, actor, params, body }) => extendExecution(db, actor, params.id, body));
