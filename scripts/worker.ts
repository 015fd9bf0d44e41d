import { closeDb, databaseUrl, getDb } from '../lib/db/client';
import { runMigrations } from '../lib/db/migrate';
import { env } from '../lib/env';
import { log } from '../lib/log';
import { startWorker } from '../lib/core/worker/run-worker';

const config = env();
if (!process.env.WR_SKIP_MIGRATE) await runMigrations(databaseUrl());
const worker = startWorker({
  db: getDb(),
  log: log.child({ component: 'worker' }),
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
  log.info('worker stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
