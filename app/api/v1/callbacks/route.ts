import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { listCallbacks } from '@/lib/core/callbacks/list-callbacks';

export const dynamic = 'force-dynamic';

export const GET = withApiAuth(ROUTES.listCallbacks, ({ db, query }) => listCallbacks(db, query));
