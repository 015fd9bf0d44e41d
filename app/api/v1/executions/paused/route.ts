import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { listPausedExecutions } from '@/lib/core/resumer/list-paused-executions';

export const dynamic = 'force-dynamic';

export const GET = withApiAuth(ROUTES.listPausedExecutions, ({ db, query }) => listPausedExecutions(db, query));
