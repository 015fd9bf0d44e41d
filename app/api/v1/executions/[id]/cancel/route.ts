import { parseBody } from '@/lib/api/parse-request';
import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { cancelExecution, ZCancelExecution } from '@/lib/core/executions/cancel-execution';

export const dynamic = 'force-dynamic';

export const POST = withApiAuth<{ id: string }>(
  async ({ req, db, actor, params }) => ({ body: await cancelExecution(db, actor, params.id, await parseBody(req, ZCancelExecution, { optional: true })) }),
  ROUTES.cancelExecution,
);
