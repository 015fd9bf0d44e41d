import { ROUTES } from '@/lib/api/route-table';
import { withMetricsAuth } from '@/lib/observability/metrics-endpoint';

export const dynamic = 'force-dynamic';

// Prometheus text format: this process's HTTP metrics plus global numbers read from the database.
export const GET = withMetricsAuth(ROUTES.getMetrics);
