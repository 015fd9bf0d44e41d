import http from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { tapLogger, type Logger } from '../log';
import { bearerMatches } from './metrics-token';

/**
 * The worker process's own counters, fed by the cycle records its logger is given (the spec's
 * "Paused executions processed: …" line carries the cycle's counts and duration), served at
 * /metrics on WORKER_METRICS_PORT when that is set. Counters are per process: Prometheus adds them up
 * across workers with sum(). The web /api/v1/metrics has each worker's heartbeat from the database.
 */
export const CYCLE_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const CYCLE_MESSAGE = /^Paused executions processed:/;
const FAILED_CYCLE_MESSAGE = /^worker cycle failed/;
const ITEM_KINDS = ['resumed', 'skipped', 'errors', 'woken', 'expired', 'warned'] as const;

export function createWorkerMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const cycles = new Counter({ name: 'workflow_resumer_worker_cycles_total', help: 'Sweep cycles finished by this worker', registers: [registry] });
  const failedCycles = new Counter({
    name: 'workflow_resumer_worker_failed_cycles_total',
    help: 'Sweep cycles that failed as a whole (database away)',
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'workflow_resumer_worker_cycle_duration_seconds',
    help: 'Duration of this worker’s sweep cycles',
    buckets: CYCLE_BUCKETS,
    registers: [registry],
  });
  const items = Object.fromEntries(
    ITEM_KINDS.map((k) => [
      k,
      new Counter({
        name: `workflow_resumer_worker_${k}_total`,
        help: `Executions ${k === 'errors' ? 'that failed' : k} in this worker’s sweep cycles${k === 'resumed' ? ' (decided approvals; push resumes are in workflow_resumer_resumes_total)' : ''}`,
        registers: [registry],
      }),
    ]),
  ) as Record<(typeof ITEM_KINDS)[number], Counter>;
  const lastCycle = new Gauge({
    name: 'workflow_resumer_worker_last_cycle_timestamp_seconds',
    help: 'Unix time this worker last finished a cycle',
    registers: [registry],
  });

  function recordCycle(obj: Record<string, unknown>) {
    cycles.inc();
    lastCycle.set(Date.now() / 1000);
    if (typeof obj.cycle_ms === 'number') duration.observe(obj.cycle_ms / 1000);
    for (const k of ITEM_KINDS) {
      const v = obj[k];
      if (typeof v === 'number' && v > 0) items[k].inc(v);
    }
  }

  /** The worker's logger, watched: each cycle record it writes is counted here. */
  function tap(logger: Logger): Logger {
    return tapLogger(logger, ({ obj, msg }) => {
      if (!msg) return;
      if (CYCLE_MESSAGE.test(msg)) recordCycle(obj);
      else if (FAILED_CYCLE_MESSAGE.test(msg)) failedCycles.inc();
    });
  }

  /** Serves GET /metrics; with METRICS_TOKEN set, only to `Authorization: Bearer <METRICS_TOKEN>`. */
  function serve(port: number, opts: { token?: string; host?: string } = {}): Promise<http.Server> {
    const server = http.createServer((req, res) => {
      void (async () => {
        if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
          return;
        }
        if (opts.token && !bearerMatches(req.headers.authorization ?? null, opts.token)) {
          res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('unauthorized\n');
          return;
        }
        const text = await registry.metrics();
        res.writeHead(200, { 'content-type': registry.contentType }).end(text);
      })().catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, opts.host ?? '0.0.0.0', () => resolve(server));
    });
  }

  return { registry, recordCycle, tap, serve };
}
