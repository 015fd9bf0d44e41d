import { ROUTES } from '@/lib/api/route-table';
import { withPublicRoute } from '@/lib/api/with-api-auth';
import { getPool } from '@/lib/db/client';

export const dynamic = 'force-dynamic';

// The database's answer is shared for up to HEALTHY_FOR_MS: probes (load balancers, uptime checks,
// several per second) then cost no database round trip each. Only a success is reused — a failed
// check is repeated on the next probe — and concurrent probes share one check in flight.
const HEALTHY_FOR_MS = 1000;
const g = globalThis as unknown as { __wrHealth?: { okAt: number; inFlight: Promise<boolean> | null } };
const state = (g.__wrHealth ??= { okAt: -Infinity, inFlight: null });

function databaseAnswers(): Promise<boolean> {
  if (performance.now() - state.okAt < HEALTHY_FOR_MS) return Promise.resolve(true);
  return (state.inFlight ??= getPool()
    .query('select 1')
    .then(
      () => ((state.okAt = performance.now()), true),
      () => ((state.okAt = -Infinity), false),
    )
    .finally(() => (state.inFlight = null)));
}

// No auth and no data: 200 when the database answers, 503 when it does not.
export const GET = withPublicRoute(ROUTES.getHealth, async () => {
  if (await databaseAnswers()) return Response.json({ status: 'ok' });
  return Response.json({ status: 'unavailable', error: { code: 'unavailable', message: 'database unreachable' } }, { status: 503 });
});
