import { parseBody } from '@/lib/api/parse-request';
import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { pauseExecution, ZPauseExecution } from '@/lib/core/resumer/pause-execution';

export const dynamic = 'force-dynamic';

export const POST = withApiAuth<{ id: string }>(
  async ({ req, db, actor, params }) => ({ body: await pauseExecution(db, actor, params.id, await parseBody(req, ZPauseExecution, { optional: true })) }),
  ROUTES.pauseExecution,
);
