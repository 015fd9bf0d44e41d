import { parseQuery } from '@/lib/api/parse-request';
import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { listPausedExecutions, ZListPaused } from '@/lib/core/resumer/list-paused-executions';

export const dynamic = 'force-dynamic';

export const GET = withApiAuth(async ({ req, db }) => ({ body: await listPausedExecutions(db, parseQuery(req, ZListPaused)) }), ROUTES.listPausedExecutions);
