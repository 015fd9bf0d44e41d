import { withApiAuth, withErrors } from '../api/with-api-auth';
import { getPool } from '../db/client';
import { env } from '../env';
import { log } from '../log';
import { collectDatabaseMetrics, databaseDownFamilies } from './database-metrics';
import { renderFamilies, type MetricFamily } from './exposition';
import { METRICS_PATH, METRICS_PERMISSIONS } from './metrics-config';
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

const withToken = withErrors(renderMetrics, { path: METRICS_PATH });
const withPermission = withApiAuth(async () => renderMetrics(), { permissions: METRICS_PERMISSIONS, path: METRICS_PATH });

/**
 * GET /api/v1/metrics: Prometheus text format. Prometheus sends `Authorization: Bearer
 * <METRICS_TOKEN>`; anyone else needs an API token or a session with execution:read.
 */
export async function metricsRoute(req: Request, ctx: { params: Promise<Record<string, string>> }): Promise<Response> {
  const token = env().METRICS_TOKEN;
  if (token && bearerMatches(req.headers.get('authorization'), token)) return withToken(req);
  return withPermission(req, ctx);
}
