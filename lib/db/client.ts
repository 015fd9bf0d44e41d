import { getTableColumns, type Column, type Table } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { env } from '../env';
import { log } from '../log';
import * as schema from './schema';

export type Db = NodePgDatabase<typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Anything that can run a query: the pool-backed db or a transaction. */
export type DbOrTx = Db | Tx;

type Handle = { pool: pg.Pool; db: Db };

// One pool per process. Kept on globalThis so Next.js dev reloads do not leak pools.
const g = globalThis as unknown as { __wrDb?: Handle };

export function createDb(connectionString: string, max = env().DATABASE_POOL_SIZE): Handle {
  const pool = new pg.Pool({ connectionString, max, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5_000 });
  // A connection dropped by the server (restart, terminate) must not crash the process: the pool
  // discards the client and the next query opens a new one.
  pool.on('error', (err) => log.warn({ err: err.message }, 'database connection lost'));
  // The pool listens for errors only on idle clients. A client that is checked out (a transaction
  // waiting on the application between two queries) and loses its connection would emit 'error'
  // with nobody listening — an uncaught exception. Its next query fails instead, and the pool drops
  // it on release.
  pool.on('connect', (client) => client.on('error', (err) => log.warn({ err: err.message }, 'database connection lost (in use)')));
  return { pool, db: drizzle(pool, { schema }) };
}

export function databaseUrl(): string {
  const url = env().DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set (npm start sets it for the embedded PostgreSQL)');
  return url;
}

/**
 * A pool whose every client has been out for this long with none coming back is wedged: requests
 * here take milliseconds, so that only happens when connections died in a way the driver did not
 * notice (seen once in a while after a storm of terminated connections: every later request then
 * waited the full connect timeout for a client that never returned). The web process then starts
 * a fresh pool instead of needing a restart.
 */
const WEDGED_AFTER_MS = 10_000;
const g2 = globalThis as unknown as { __wrPoolActivity?: WeakMap<pg.Pool, number> };
const activity = (g2.__wrPoolActivity ??= new WeakMap());

function watch(h: Handle): Handle {
  const touch = () => activity.set(h.pool, Date.now());
  touch();
  h.pool.on('release', touch);
  h.pool.on('connect', touch);
  h.pool.on('remove', touch);
  return h;
}

function wedged(pool: pg.Pool, max: number): boolean {
  return pool.totalCount >= max && pool.idleCount === 0 && Date.now() - (activity.get(pool) ?? Date.now()) > WEDGED_AFTER_MS;
}

function handle(): Handle {
  const cur = g.__wrDb;
  if (cur && wedged(cur.pool, env().DATABASE_POOL_SIZE)) {
    log.error({ total: cur.pool.totalCount, waiting: cur.pool.waitingCount }, `database pool wedged: no client returned for ${WEDGED_AFTER_MS / 1000} s; starting a fresh pool`);
    g.__wrDb = undefined;
    cur.pool.end().catch(() => undefined);
  }
  if (!g.__wrDb) g.__wrDb = watch(createDb(databaseUrl()));
  return g.__wrDb;
}

export function getDb(): Db {
  return handle().db;
}

export function getPool(): pg.Pool {
  return handle().pool;
}

export async function closeDb(): Promise<void> {
  const h = g.__wrDb;
  g.__wrDb = undefined;
  if (h) await h.pool.end();
}

let namedQueryObserver: ((text: string, values: unknown[]) => void) | null = null;

/**
 * A measurement seam, not a product feature: registers a function that sees every statement
 * runStatement (lib/db/sql) sends, with its parameters — the bench's EXPLAIN capture (lib/bin/bench/explain.ts) and
 * the plan tests (e2e/helpers/query-plans.ts) use it to explain the hot statements exactly as the
 * product sends them (drizzle's logger sees the rest). Nothing in the product registers one; unset,
 * it costs one null check per statement. Pass null to remove it.
 */
export function observeNamedQueries(fn: ((text: string, values: unknown[]) => void) | null): void {
  namedQueryObserver = fn;
}

/** @internal runStatement (lib/db/sql) tells the observer of each statement it sends. */
export function observeNamedQueryText(text: string, values: unknown[]): void {
  namedQueryObserver?.(text, values);
}

/** Driver rows (snake_case, raw values) → the drizzle row type of `table`, as drizzle would map them. */
export function rowMapper<T>(table: Table): (raw: Record<string, unknown>) => T {
  return selectionMapper<T>(getTableColumns(table));
}

/** The same for a selection of columns (`{ key: table.column }`, as drizzle's select takes). */
export function selectionMapper<T>(selection: Record<string, Column>): (raw: Record<string, unknown>) => T {
  const columns = Object.entries(selection);
  return (raw) => {
    const out: Record<string, unknown> = {};
    for (const [key, col] of columns) {
      const v = raw[col.name];
      out[key] = v === null || v === undefined ? null : col.mapFromDriverValue(v);
    }
    return out as T;
  };
}
