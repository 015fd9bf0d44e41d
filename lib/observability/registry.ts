import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * Metrics of this process (prom-client): HTTP request durations and the Node.js process metrics.
 * Kept on globalThis so every bundle of the Next.js server — each route is its own entry — records
 * into the same registry.
 */
export type WebMetrics = {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
};

export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const g = globalThis as unknown as { __wrWebMetrics?: WebMetrics };

export function webMetrics(): WebMetrics {
  if (g.__wrWebMetrics) return g.__wrWebMetrics;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'workflow_resumer_http_request_duration_seconds',
    help: 'API request duration in this web process, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_DURATION_BUCKETS,
    registers: [registry],
  });
  g.__wrWebMetrics = { registry, httpDuration };
  return g.__wrWebMetrics;
}

export function observeHttpRequest(method: string, route: string, status: number, seconds: number): void {
  webMetrics().httpDuration.observe({ method, route, status: String(status) }, seconds);
}
