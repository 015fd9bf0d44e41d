import { ROUTES } from '@/lib/api/route-table';
import { withPublicRoute } from '@/lib/api/with-api-auth';
import { getPool } from '@/lib/db/client';
import { checkReadiness } from '@/lib/observability/readiness';

export const dynamic = 'force-dynamic';

// No auth: 200 when the database answers and every migration is applied, else 503 saying which.
export const GET = withPublicRoute(ROUTES.getReady, async () => {
  const r = await checkReadiness(getPool);
  if (r.status === 'ready') return Response.json(r);
  const message = r.checks.database === 'unreachable' ? 'database unreachable' : 'database migrations are not all applied';
  return Response.json({ ...r, error: { code: 'unavailable', message } }, { status: 503, headers: { 'retry-after': '5' } });
});
