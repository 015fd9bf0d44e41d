/**
 * The floor: the single-row UPDATE a pause comes down to, sent straight to PostgreSQL with `pg`
 * (autocommit, one round trip, one WAL flush), at the same concurrency as the HTTP runs. Every HTTP
 * figure is shown as a multiple of it.
 */
import pg from 'pg';
import type { IdPool } from './http-load';
import { summarize, type LatencySummary } from './stats';

export type FloorRun = { connections: number; requests: number; seconds: number; throughput: number; latency: LatencySummary };

export const FLOOR_SQL = `update workflow_executions
   set status = 'paused', wake_at = null, paused_at = $2, paused_reason = 'Paused manually', paused_step_id = current_step_id,
       next_step_id = current_step_id, pause_kind = 'manual', paused_by = 'bench:floor', pause_expires_at = $3,
       decided_at = null, pause_warned_at = null, version = version + 1, updated_at = $2
 where id = $1 and status = 'running'`;

export async function runFloor(url: string, pool: IdPool, connections: number, requests: number): Promise<FloorRun> {
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  const samples: number[] = [];
  let left = requests;
  const t0 = performance.now();
  try {
    await Promise.all(
      clients.map(async (c) => {
        while (left > 0) {
          left--;
          const id = pool.take();
          const now = new Date();
          const s = performance.now();
          const r = await c.query({ text: FLOOR_SQL, values: [id, now, new Date(now.getTime() + 7 * 86_400_000)] });
          samples.push(performance.now() - s);
          if (r.rowCount !== 1) throw new Error(`floor update of ${id} changed ${r.rowCount} rows`);
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    connections,
    requests: samples.length,
    seconds: Math.round(seconds * 100) / 100,
    throughput: Math.round((samples.length / seconds) * 10) / 10,
    latency: summarize(samples),
  };
}
