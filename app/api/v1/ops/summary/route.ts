import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { getOpsSummary } from '@/lib/core/ops/get-ops-summary';

export const dynamic = 'force-dynamic';

export const GET = withApiAuth(ROUTES.getOpsSummary, ({ db }) => getOpsSummary(db));
