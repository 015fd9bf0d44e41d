import type pg from 'pg';
import { migrationsApplied } from '../db/migrate';

export type Readiness = {
  status: 'ready' | 'not_ready';
  checks: { database: 'ok' | 'unreachable'; migrations: 'ok' | 'pending' | 'unknown' };
};

/** Ready to take traffic: the database answers and every committed migration is applied. */
export async function checkReadiness(getPool: () => pg.Pool): Promise<Readiness> {
  let pool: pg.Pool;
  try {
    pool = getPool();
    await pool.query('select 1');
  } catch {
    return { status: 'not_ready', checks: { database: 'unreachable', migrations: 'unknown' } };
  }
  const applied = await migrationsApplied(pool).catch(() => false);
  return applied
    ? { status: 'ready', checks: { database: 'ok', migrations: 'ok' } }
    : { status: 'not_ready', checks: { database: 'ok', migrations: 'pending' } };
}
