import { getTableColumns, type Table } from 'drizzle-orm';

/**
 * The column list of `table` as SQL text (`a."id", a."status", …`), for fixed statements sent with
 * queryNamed: named columns rather than `*`, so a schema that drifted from the code fails the
 * statement (a 500 with the driver's error) instead of mapping a missing column to null.
 */
export function columnsOf(table: Table, alias?: string): string {
  const prefix = alias ? `${alias}.` : '';
  return Object.values(getTableColumns(table))
    .map((c) => `${prefix}"${c.name}"`)
    .join(', ');
}
