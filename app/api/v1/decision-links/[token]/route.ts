import { showDecisionLink } from '@/lib/api/decision-link-routes';
import { ROUTES } from '@/lib/api/route-table';
import { withPublicRoute } from '@/lib/api/with-api-auth';

export const dynamic = 'force-dynamic';

export const GET = withPublicRoute(ROUTES.getDecisionLink, showDecisionLink);
