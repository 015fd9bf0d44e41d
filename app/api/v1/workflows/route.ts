import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { createWorkflow, listWorkflows } from '@/lib/core/workflows/workflows';

export const dynamic = 'force-dynamic';

export const GET = withApiAuth(ROUTES.listWorkflows, ({ db }) => listWorkflows(db));

export const POST = withApiAuth(ROUTES.createWorkflow, ({ db, body }) => createWorkflow(db, body));
