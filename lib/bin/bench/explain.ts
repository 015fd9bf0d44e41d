/**
 * EXPLAIN ANALYZE of the hot queries, exactly as the product sends them: the domain functions run
 * once against the data set through a drizzle instance that records every statement and its
 * parameters; each distinct statement is then explained (ANALYZE, BUFFERS) with those parameters
 * inside a transaction that is rolled back.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { authenticateToken } from '../../core/access/api-tokens';
import type { Actor } from '../../core/access/permissions';
import { decideApproval } from '../../core/approvals/decide-approval';
import { listPausedExecutions } from '../../core/resumer/list-paused-executions';
import { pauseExecution } from '../../core/resumer/pause-execution';
import { resumeExecution } from '../../core/resumer/resume-execution';
import { sweepOnce } from '../../core/worker/sweep';
import { observeNamedQueries, type Db } from '../../db/client';
import * as schema from '../../db/schema';
import { log } from '../../log';

export type ExplainedQuery = {
  operation: string;
  sql: string;
  params: unknown[];
  /** How many times the operation sent this statement. */
  calls: number;
  plan: string;
  executionMs: number | null;
  planningMs: number | null;
};

type Captured = { operation: string; sql: string; params: unknown[]; calls: number };

export async function explainHotQueries(opts: {
  url: string;
  token: string;
  operator: Actor;
  approver: Actor;
  ids: { pause: string; resume: string; approve: string; workerApprovals: string[] };
  deepCursor: string;
}): Promise<ExplainedQuery[]> {
  const pool = new pg.Pool({ connectionString: opts.url, max: 4 });
  const captured = new Map<string, Captured>();
  let operation = '';
  const record = (query: string, params: unknown[]) => {
    if (!/^\s*(select|update|insert|delete|with)\b/i.test(query)) return; // begin, commit, savepoints
    const key = `${operation}\n${query}`;
    const hit = captured.get(key);
    if (hit) hit.calls++;
    else captured.set(key, { operation, sql: query, params, calls: 1 });
  };
  // Statements built by drizzle reach its logger; the hand-written hot ones go through queryNamed.
  const db = drizzle(pool, { schema, logger: { logQuery: record } }) as unknown as Db;
  observeNamedQueries(record);
  const silent = log.child({ component: 'bench-explain' }, { level: 'silent' });

  try {
    operation = 'token lookup (every API request)';
    await authenticateToken(db, opts.token);
    operation = 'pause';
    await pauseExecution(db, opts.operator, opts.ids.pause);
    operation = 'resume (and run the rest)';
    await resumeExecution(db, opts.operator, opts.ids.resume, { resume_data: { ok: true } });
    operation = 'list paused, first page';
    await listPausedExecutions(db, { limit: 50 });
    operation = 'list paused, deep cursor';
    await listPausedExecutions(db, { limit: 50, cursor: opts.deepCursor });
    operation = 'approve';
    await decideApproval(db, opts.approver, opts.ids.approve, 'approve');
    // Worker: decide a few more without capturing, then one sweep (claims, resumes, wake, expire, warn).
    operation = '';
    for (const id of opts.ids.workerApprovals) await decideApproval(db, opts.approver, id, 'approve');
    operation = 'worker sweep';
    await sweepOnce({ db, log: silent, batchSize: 50, now: () => new Date(), shouldStop: () => false });
    operation = '';

    const out: ExplainedQuery[] = [];
    const client = await pool.connect();
    try {
      for (const q of captured.values()) {
        if (!q.operation) continue;
        await client.query('begin');
        try {
          const r = await client.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${q.sql}`, q.params);
          const plan = r.rows.map((x) => x['QUERY PLAN']).join('\n');
          const num = (re: RegExp) => {
            const m = re.exec(plan);
            return m ? Number(m[1]) : null;
          };
          out.push({ ...q, plan, executionMs: num(/Execution Time: ([\d.]+) ms/), planningMs: num(/Planning Time: ([\d.]+) ms/) });
        } catch (e) {
          // The statement cannot run again (a unique key it already used): show the plan without running it.
          await client.query('rollback');
          await client.query('begin');
          const r = await client.query<{ 'QUERY PLAN': string }>(`explain ${q.sql}`, q.params).catch(() => null);
          const plan = r ? r.rows.map((x) => x['QUERY PLAN']).join('\n') : '';
          out.push({ ...q, plan: `(not run again: ${(e as Error).message}; plan only)\n${plan}`, executionMs: null, planningMs: null });
        } finally {
          await client.query('rollback');
        }
      }
    } finally {
      client.release();
    }
    return out;
  } finally {
    observeNamedQueries(null);
    await pool.end();
  }
}
