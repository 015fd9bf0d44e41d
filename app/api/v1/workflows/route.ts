import { parseBody } from '@/lib/api/parse-request';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { createWorkflow, listWorkflows, ZCreateWorkflow } from '@/lib/core/workflows/workflows';

export const dynamic = 'force-dynamic';

export const GET = withApiAuth(async ({ db }) => ({ body: await listWorkflows(db) }), { permissions: ['workflow:read'] });

export const POST = withApiAuth(
  async ({ req, db }) => ({ status: 201, body: await createWorkflow(db, await parseBody(req, ZCreateWorkflow)) }),
  { permissions: ['workflow:write'] },
);
