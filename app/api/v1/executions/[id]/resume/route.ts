import { parseBody } from '@/lib/api/parse-request';
import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { resumeExecution, ZResumeExecution } from '@/lib/core/resumer/resume-execution';

export const dynamic = 'force-dynamic';

export const POST = withApiAuth<{ id: string }>(
  async ({ req, db, actor, params }) => ({ body: await resumeExecution(db, actor, params.id, await parseBody(req, ZResumeExecution, { optional: true })) }),
  ROUTES.resumeExecution,
);
