import { parseQuery } from '@/lib/api/parse-request';
import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { listExecutionEvents, ZListExecutionEvents } from '@/lib/core/executions/get-execution';

export const dynamic = 'force-dynamic';

export const GET = withApiAuth<{ id: string }>(
  async ({ req, db, params }) => ({ body: await listExecutionEvents(db, params.id, parseQuery(req, ZListExecutionEvents)) }),
  ROUTES.listExecutionEvents,
);
