export const METRICS_PATH = '/api/v1/metrics';
/** Reading metrics needs the same permission as reading executions (or the METRICS_TOKEN). */
export const METRICS_PERMISSIONS = ['execution:read'] as const;
