import { PgTransaction } from 'drizzle-orm/pg-core';
import type { DbOrTx } from './client';

const cache = new WeakMap<object, Map<string, unknown>>();

/**
 * A prepared query (drizzle `.prepare(name)`: a named PostgreSQL statement, parsed and planned once
 * per connection) built once per database handle and reused: hot fixed-shape queries then cost
 * neither query building nor planning per call. `build` must give the same SQL for the same name.
 * Inside a transaction the query is built for that transaction (it is bound to its connection).
 */
export function prepared<T>(db: DbOrTx, name: string, build: (db: DbOrTx) => T): T {
  if (db instanceof PgTransaction) return build(db);
  let byName = cache.get(db);
  if (!byName) cache.set(db, (byName = new Map()));
  let q = byName.get(name) as T | undefined;
  if (!q) byName.set(name, (q = build(db)));
  return q;
}
