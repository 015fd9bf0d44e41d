import { envOrExit } from '../env';
import { closeDb, databaseUrl, getDb } from '../db/client';
import { runMigrations } from '../db/migrate';
import { log } from '../log';
import { startWorker } from '../core/worker/start-worker';
import { createWorkerMetrics } from '../observability/worker-metrics';

// Every variable is parsed before anything else: a wrong value stops here, naming it.
const config = envOrExit('worker');
if (!config.DATABASE_URL) {
  console.error('[worker] DATABASE_URL is required (npm start runs an embedded PostgreSQL for you)');
  process.exit(1);
}

// Opt-in: this worker's own counters and cycle durations at http://0.0.0.0:WORKER_METRICS_PORT/metrics.
let workerLog = log.child({ component: 'worker' });
let metricsServer: import('node:http').Server | null = null;
if (config.WORKER_METRICS_PORT) {
  const metrics = createWorkerMetrics();
  workerLog = metrics.tap(workerLog);
  metricsServer = await metrics.serve(config.WORKER_METRICS_PORT, { token: config.METRICS_TOKEN });
  log.info({ port: config.WORKER_METRICS_PORT }, `worker metrics at http://0.0.0.0:${config.WORKER_METRICS_PORT}/metrics`);
}

if (!config.WR_SKIP_MIGRATE) await runMigrations(databaseUrl());
const worker = startWorker({
  db: getDb(),
  log: workerLog,
  intervalMs: config.WORKER_INTERVAL,
  batchSize: config.WORKER_BATCH_SIZE,
  connectionString: databaseUrl(),
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'worker stopping: finishing the item in hand');
  await worker.stop();
  await closeDb();
  metricsServer?.close();
  log.info('worker stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
