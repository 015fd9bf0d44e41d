import type { ROUTES } from '../api/route-table';
import { withApiAuth, withPublicRoute } from '../api/with-api-auth';
import { getPool } from '../db/client';
import { env } from '../env';
import { log } from '../log';
import { collectDatabaseMetrics, databaseDownFamilies } from './database-metrics';
import { renderFamilies, type MetricFamily } from './exposition';
import { bearerMatches } from './metrics-token';
import { webMetrics } from './registry';


/** This process's prom-client registry followed by the families read from the database. */
export async function renderMetrics(): Promise<Response> {
  const { registry } = webMetrics();
  let families: MetricFamily[];
  try {
    families = await collectDatabaseMetrics(getPool());
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'metrics: database families unavailable');
    families = databaseDownFamilies();
  }
  const own = await registry.metrics();
  const text = `${own}${own.endsWith('\n') || own === '' ? '' : '\n'}${renderFamilies(families)}`;
  return new Response(text, { status: 200, headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' } });
}

/**
 * GET /api/v1/metrics: Prometheus text format. Prometheus sends `Authorization: Bearer
 * <METRICS_TOKEN>`; anyone else needs an API token or a session with the route's permissions.
 */
export function withMetricsAuth(route: typeof ROUTES.getMetrics) {
  const withToken = withPublicRoute(route, renderMetrics);
  const withPermission = withApiAuth(route, renderMetrics);
  return (req: Request, ctx: { params: Promise<Record<string, string | string[] | undefined>> }): Promise<Response> => {
    const token = env().METRICS_TOKEN;
    return token && bearerMatches(req.headers.get('authorization'), token) ? withToken(req) : withPermission(req, ctx);
  };
}
