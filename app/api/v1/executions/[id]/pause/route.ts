import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { pauseExecution } from '@/lib/core/resumer/pause-execution';

export const dynamic = 'force-dynamic';

export const POST = withApiAuth(ROUTES.pauseExecution, ({ db, actor, params, body }) => pauseExecution(db, actor, params.id, body));
