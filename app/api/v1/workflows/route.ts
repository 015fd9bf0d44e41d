import { parseBody } from '@/lib/api/parse-request';
import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { createWorkflow, listWorkflows, ZCreateWorkflow } from '@/lib/core/workflows/workflows';

export const dynamic = 'force-dynamic';

export const GET = withApiAuth(async ({ db }) => ({ body: await listWorkflows(db) }), ROUTES.listWorkflows);

export const POST = withApiAuth(
  async ({ req, db }) => ({ status: 201, body: await createWorkflow(db, await parseBody(req, ZCreateWorkflow)) }),
  ROUTES.createWorkflow,
);
