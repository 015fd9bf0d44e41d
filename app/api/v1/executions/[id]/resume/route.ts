import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { resumeExecution } from '@/lib/core/resumer/resume-execution';

export const dynamic = 'force-dynamic';

export const POST = withApiAuth(ROUTES.resumeExecution, ({ db, actor, params, body }) => resumeExecution(db, actor, params.id, body));
