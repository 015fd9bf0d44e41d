/**
 * The rule: queries are written with drizzle; a statement measured hot is hand-written in this folder,
 * one file per statement (or family), run through `runStatement`, and PREPAREd against the migrated
 * database by e2e/api/sql-statements.test.ts so a renamed column fails in CI.
 *
 * Hand-written statements are named prepared statements: PostgreSQL parses and plans each once per
 * connection, and drizzle's query building (a good part of a hot request's CPU) is skipped. Page-first
 * list statements whose text depends on the filters present are built with Placeholders
 * (lib/db/sql/page-first.ts), one name per shape.
 */
import { getTableColumns, is, Table, type Column } from 'drizzle-orm';
import { observeNamedQueryText, type DbOrTx } from '../client';

/** A hand-written statement: `name` is its prepared statement's name — the same text for the same name. */
export type Statement = { readonly name: string; readonly text: string };

/**
 * Runs `statement` as a named prepared statement on the connection behind `db` — the pool, or a
 * transaction's connection — through drizzle's public session API (its logger sees it too). Returns
 * the rows as the driver gives them: snake_case keys, timestamps as text (see rowMapper).
 */
export async function runStatement(db: DbOrTx, statement: Statement, values: unknown[]): Promise<Record<string, unknown>[]> {
  observeNamedQueryText(statement.text, values);
  const result = (await db._.session.prepareQuery({ sql: statement.text, params: values }, undefined, statement.name, false).execute()) as {
    rows: Record<string, unknown>[];
  };
  return result.rows;
}

/**
 * A table's columns, each named from the schema (never `*` or `to_json(t)`): a column renamed or
 * dropped by a bad deployment then fails the statement (an opaque 500, and the PREPARE test in CI)
 * instead of reading as absent — an absent `revoked_at` would let a revoked token in.
 */
export function columnsOf(table: Table, alias?: string): string {
  const prefix = alias ? `${alias}.` : '';
  return Object.values(getTableColumns(table))
    .map((c) => `${prefix}"${c.name}"`)
    .join(', ');
}

/**
 * The row as one JSON object of its columns — or of a selection of them (`{ key: table.column }`) —
 * each named from the schema (see columnsOf), and `extra` fields; selectionMapper reads it back.
 */
export function jsonObjectOf(tableOrSelection: Table | Record<string, Column>, alias: string, extra: Record<string, string> = {}): string {
  const columns = is(tableOrSelection, Table) ? getTableColumns(tableOrSelection) : tableOrSelection;
  return `json_build_object(${[
    ...Object.values(columns).map((c) => `'${c.name}', ${alias}."${c.name}"`),
    ...Object.entries(extra).map(([name, expr]) => `'${name}', ${expr}`),
  ].join(', ')})`;
}
