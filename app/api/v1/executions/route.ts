import { parseBody, parseQuery } from '@/lib/api/parse-request';
import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { listExecutions, ZListExecutions } from '@/lib/core/executions/list-executions';
import { startExecution, ZStartExecution } from '@/lib/core/executions/start-execution';

export const dynamic = 'force-dynamic';

export const GET = withApiAuth(async ({ req, db }) => ({ body: await listExecutions(db, parseQuery(req, ZListExecutions)) }), ROUTES.listExecutions);

export const POST = withApiAuth(
  async ({ req, db, actor }) => ({ status: 201, body: await startExecution(db, actor, await parseBody(req, ZStartExecution)) }),
  ROUTES.startExecution,
);
