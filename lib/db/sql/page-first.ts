import { sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

/**
 * Hot list and claim statements choose their page from an index first, then join:
 *
 *   select <the page's rows, their lookups, their JSON>
 *     from (select … from <table> where <predicates> order by <index order> limit (select $n)) page
 *     <per-row lookups: lateral (… limit 1) / scalar subqueries, by primary or foreign key>
 *    order by <index order>
 *
 * Why each part (docs/benchmarks.md, "Plans that do not depend on statistics"; checked by
 * e2e/api/query-plans.test.ts under stale statistics, generic and custom plans):
 *  - A subquery with a LIMIT is never merged into the outer query, so PostgreSQL cannot join or sort
 *    the whole matching set before keeping the page; lookups run once per row of the page.
 *  - Inside it a single table remains, and exactly one index serves its predicates, already in the
 *    page's order (migration 0006 keeps the others out of reach). What is left to choose is "walk that
 *    index and stop" or "read every match and sort" — see hidden() for why the walk always wins.
 */

/**
 * Numbered placeholders for hand-written statement text: `p.add(value)` gives `$n` and keeps the value.
 * `p.hidden(value)` gives `(select $n)` — see hidden().
 */
export class Placeholders {
  constructor(readonly values: unknown[] = []) {}
  add(value: unknown, cast = ''): string {
    this.values.push(value);
    return `$${this.values.length}${cast}`;
  }
  hidden(value: unknown, cast = ''): string {
    return `(select ${this.add(value, cast)})`;
  }
  /** Numbering on from these: for a statement that adds its own values to a shared set of predicates. */
  extend(): Placeholders {
    return new Placeholders([...this.values]);
  }
}

/**
 * A value behind a subselect, `(select $n)`: PostgreSQL plans without knowing it, exactly as it
 * plans the statement generically. For the LIMIT that matters most: not knowing the page's size, it
 * plans to fetch a tenth of the matching rows — so starting to walk an index already in the page's
 * order and stopping early beats reading every match and sorting it, whatever number of matches it
 * believes in. A LIMIT it can read is compared with that belief: "51 of 4" means "all 4", and then
 * reading all and sorting looks as cheap as the walk — while the 4 are in truth 2,000. For filter
 * values (a workflow, a cursor, a deadline), it estimates from averages instead of the statistics of
 * one value, which are the staler the newer the value. Custom and generic plans become the same plan.
 *
 * Not for a status that selects a partial index (`status = 'paused'`): that must stay a literal
 * (literalEq), or the index's predicate cannot be proved.
 */
export function hiddenSql(value: unknown, cast: string): SQL {
  return sql`(select ${value}::${sql.raw(cast)})`;
}

/** hiddenSql for drizzle's `.limit()`, which renders any SQL it is given. */
export function hiddenLimit(n: number): Placeholder {
  return hiddenSql(n, 'int') as unknown as Placeholder;
}

/**
 * `column = 'value'` with the value written into the statement, not sent as a parameter. A partial
 * index (`… where status = 'paused'`) serves a prepared statement's generic plan only when the
 * statement's own text implies the index's predicate; `status = $1` does not.
 */
export function literalEq(column: AnyPgColumn, value: string): SQL {
  if (!/^[a-z_]+$/.test(value)) throw new Error(`literalEq: ${JSON.stringify(value)} is not a plain status literal`);
  return sql`${column} = ${sql.raw(`'${value}'`)}`;
}
