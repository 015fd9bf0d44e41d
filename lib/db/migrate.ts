import path from 'node:path';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';

// Any number of processes may call this at once (web, worker, tests): the advisory lock makes the
// second wait for the first and then find nothing left to apply.
const MIGRATION_LOCK = 727_274_001;

export async function runMigrations(connectionString: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await migrate(drizzle(client), { migrationsFolder: path.resolve(process.cwd(), 'migrations') });
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await client.end();
  }
}

/** True when every committed migration has been applied to this database. */
export async function migrationsApplied(client: pg.ClientBase | pg.Pool): Promise<boolean> {
  const fs = await import('node:fs/promises');
  const journal = JSON.parse(await fs.readFile(path.resolve(process.cwd(), 'migrations/meta/_journal.json'), 'utf8')) as {
    entries: unknown[];
  };
  try {
    const r = await client.query('select count(*)::int as n from drizzle.__drizzle_migrations');
    return (r.rows[0] as { n: number }).n >= journal.entries.length;
  } catch {
    return false;
  }
}
