/**
 * Query-plan checks on real PostgreSQL: capture the statements a domain function sends (exactly
 * their text and parameters), then ask PostgreSQL how it would run each one as the product runs
 * it — a prepared statement, planned generically or with the parameters' values — and check the
 * plan's shape.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Db } from '@/lib/db/client';
import * as schema from '@/lib/db/schema';

export type Captured = { operation: string; sql: string; params: unknown[] };

/**
 * A drizzle instance whose statements are recorded through its logger: drizzle's own and the
 * hand-written ones (runStatement sends them through drizzle's session). `capture(operation, fn)` runs `fn` and
 * returns the statements it sent (selects only: no begin/commit/savepoints/writes).
 */
export function capturingDb(url: string) {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  let sink: Captured[] | null = null;
  let operation = '';
  const record = (text: string, params: unknown[]) => {
    if (sink && /^\s*(select|with)\b/i.test(text)) sink.push({ operation, sql: text, params: [...params] });
  };
  const db = drizzle(pool, { schema, logger: { logQuery: record } }) as unknown as Db;
  return {
    db,
    async capture(name: string, fn: (db: Db) => Promise<unknown>): Promise<Captured[]> {
      const out: Captured[] = [];
      sink = out;
      operation = name;
      try {
        await fn(db);
      } finally {
        sink = null;
      }
      return out;
    },
    close: () => pool.end(),
  };
}

export type PlanNode = {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Parent Relationship'?: string;
  'Subplan Name'?: string;
  'Plan Rows'?: number;
  Plans?: PlanNode[];
  [k: string]: unknown;
};

export type PlanCacheMode = 'force_generic_plan' | 'force_custom_plan';

function literal(client: pg.ClientBase, v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (v instanceof Date) return client.escapeLiteral(v.toISOString());
  if (Array.isArray(v)) return client.escapeLiteral(`{${v.map((x) => (x === null ? 'NULL' : `"${String(x).replace(/["\\]/g, '\\$&')}"`)).join(',')}}`);
  if (typeof v === 'object') return client.escapeLiteral(JSON.stringify(v));
  return client.escapeLiteral(String(v as string | number | boolean | bigint));
}

/**
 * The plan PostgreSQL would run `stmt` with, as a prepared statement (what drizzle's `.prepare()`
 * and runStatement send: parameter types inferred, values bound at EXECUTE) under the given
 * plan_cache_mode. Plans only: nothing runs, no row is locked.
 */
export async function preparedPlan(client: pg.ClientBase, stmt: Captured, mode: PlanCacheMode): Promise<PlanNode> {
  await client.query(`set plan_cache_mode = ${mode}`);
  await client.query(`prepare wr_plan_check as ${stmt.sql}`);
  try {
    const args = stmt.params.map((p) => literal(client, p));
    const r = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`explain (format json) execute wr_plan_check${args.length ? `(${args.join(', ')})` : ''}`);
    return r.rows[0]!['QUERY PLAN'][0].Plan;
  } finally {
    await client.query('deallocate wr_plan_check');
    await client.query('reset plan_cache_mode');
  }
}

/** The plan as indented text (for failure messages and the docs). */
export function planText(node: PlanNode, depth = 0): string {
  const rel = node['Relation Name'] ? ` on ${node['Relation Name']}` : '';
  const idx = node['Index Name'] ? ` using ${node['Index Name']}` : '';
  const via = node['Parent Relationship'] && node['Parent Relationship'] !== 'Outer' && node['Parent Relationship'] !== 'Inner' ? ` [${node['Subplan Name'] ?? node['Parent Relationship']}]` : '';
  const line = `${'  '.repeat(depth)}-> ${node['Node Type']}${rel}${idx}${via} (rows=${node['Plan Rows'] ?? '?'})`;
  return [line, ...(node.Plans ?? []).map((c) => planText(c, depth + 1))].join('\n');
}

function walk(node: PlanNode, ancestors: PlanNode[], visit: (n: PlanNode, ancestors: PlanNode[]) => void) {
  visit(node, ancestors);
  for (const c of node.Plans ?? []) walk(c, [...ancestors, node], visit);
}

const INDEX_SCANS = new Set(['Index Scan', 'Index Only Scan']);

/**
 * The rule every page-choosing statement follows: the page is chosen from an index first, then
 * joined. Concretely, in the plan:
 *  - every scan of `pageRelation` is an index scan that sits directly under a Limit (a LockRows of
 *    FOR UPDATE may sit between): no Sort, join or per-row subquery between the Limit and the scan,
 *    so PostgreSQL stops after the page's rows instead of reading, joining and sorting the whole set;
 *  - the other big tables (`lookupRelations`) are only reached by index lookups — no sequential or
 *    bitmap scan of a whole table to join a page of rows.
 * Returns what is wrong (empty when the plan follows the rule).
 */
export function pageFirstViolations(plan: PlanNode, pageRelation: string, lookupRelations: readonly string[]): string[] {
  const problems: string[] = [];
  let pageScans = 0;
  walk(plan, [], (n, ancestors) => {
    const rel = n['Relation Name'];
    if (!rel) return;
    if (rel === pageRelation) {
      pageScans++;
      if (!INDEX_SCANS.has(n['Node Type'])) {
        problems.push(`${rel} is read by a ${n['Node Type']}, not an index scan that stops at the page`);
        return;
      }
      const above = [...ancestors].reverse();
      const limitAt = above.findIndex((a) => a['Node Type'] !== 'LockRows');
      const parent = above[limitAt];
      if (!parent || parent['Node Type'] !== 'Limit') {
        problems.push(`the ${n['Node Type']} of ${rel} (${n['Index Name']}) is under ${above.map((a) => a['Node Type']).join(' < ') || 'nothing'}, not directly under a Limit`);
      }
    } else if (lookupRelations.includes(rel) && !INDEX_SCANS.has(n['Node Type'])) {
      problems.push(`${rel} is read by a ${n['Node Type']} instead of index lookups for the page's rows`);
    }
  });
  if (pageScans === 0) problems.push(`no scan of ${pageRelation} in the plan`);
  return problems;
}
