import { ROUTES } from '@/lib/api/route-table';
import { withPublicRoute } from '@/lib/api/with-api-auth';
import { getPool } from '@/lib/db/client';

export const dynamic = 'force-dynamic';

// No auth and no data: 200 when the database answers, 503 when it does not.
export const GET = withPublicRoute(ROUTES.getHealth, async () => {
  try {
    await getPool().query('select 1');
    return Response.json({ status: 'ok' });
  } catch {
    return Response.json({ status: 'unavailable', error: { code: 'unavailable', message: 'database unreachable' } }, { status: 503 });
  }
});
