/**
 * The rule: queries are written with drizzle; a statement measured hot is hand-written here, one file
 * per statement (or family), run through `runStatement`, and PREPAREd against the migrated database
 * by e2e/api/sql-statements.test.ts so a renamed column fails in CI.
 */
import { queryNamed, type DbOrTx } from '../client';

/** A hand-written statement: `name` is its prepared statement's name, the same text for the same name. */
export type Statement = { readonly name: string; readonly text: string };

export async function runStatement(db: DbOrTx, statement: Statement, values: unknown[]): Promise<Record<string, unknown>[]> {
  return queryNamed(db, statement.name, statement.text, values);
}
