/**
 * Every hand-written statement (lib/db/sql, and the page-first list statements in every filter shape)
 * is PREPAREd against the migrated test database: a renamed or dropped column, a wrong type or a
 * syntax error fails here instead of in the request that first sends it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { drizzle } from 'drizzle-orm/node-postgres';
import { encodeKeysetCursor } from '@/lib/core/pagination';
import { listApprovals } from '@/lib/core/approvals/list-approvals';
import { listExecutions } from '@/lib/core/executions/list-executions';
import { listPausedExecutions } from '@/lib/core/resumer/list-paused-executions';
import type { Db } from '@/lib/db/client';
import * as schema from '@/lib/db/schema';
import type { Statement } from '@/lib/db/sql';
import { testPool } from '../helpers/env';

const SQL_DIR = path.resolve(__dirname, '../../lib/db/sql');

function isStatement(v: unknown): v is Statement {
  return typeof v === 'object' && v !== null && typeof (v as Statement).name === 'string' && typeof (v as Statement).text === 'string';
}

/** The statements each file of lib/db/sql exports, single or in arrays. */
async function folderStatements(): Promise<Statement[]> {
  const out: Statement[] = [];
  for (const file of fs.readdirSync(SQL_DIR).filter((f) => f.endsWith('.ts') && f !== 'index.ts')) {
    const mod = (await import(path.join(SQL_DIR, file))) as Record<string, unknown>;
    for (const v of Object.values(mod)) for (const s of Array.isArray(v) ? v : [v]) if (isStatement(s)) out.push(s);
  }
  return out;
}

/** The list statements as the list functions send them, for every shape of filters. */
async function listStatements(): Promise<Statement[]> {
  const seen = new Map<string, Statement>();
  let listing = true;
  // runStatement sends through drizzle's session, so its logger sees every statement.
  const logQuery = (text: string) => {
    if (listing && /^\s*(select|with)\b/i.test(text)) seen.set(text, { name: `list_${seen.size}`, text });
  };
  const db = drizzle(testPool(), { schema, logger: { logQuery } }) as unknown as Db;
  try {
    const cursor = encodeKeysetCursor(new Date(), '00000000-0000-4000-8000-000000000000');
    for (const status of [undefined, 'paused'] as const)
      for (const id_prefix of [undefined, '3f2a'])
        for (const c of [undefined, cursor]) await listExecutions(db, { limit: 5, status, id_prefix, cursor: c });
    for (const reason of [undefined, 'r'])
      for (const paused_before of [undefined, new Date().toISOString()])
        for (const c of [undefined, cursor]) await listPausedExecutions(db, { limit: 5, reason, paused_before, cursor: c });
    for (const status of [undefined, 'approved'] as const)
      for (const decided_by of [undefined, 'me'] as const)
        for (const c of [undefined, cursor]) await listApprovals(db, { limit: 5, status, decided_by, cursor: c }, new Date(), undefined);
    await listApprovals(db, { limit: 5, for: 'me' }, new Date(), undefined);
  } finally {
    listing = false;
  }
  return [...seen.values()];
}

describe('hand-written SQL', () => {
  it('every statement in lib/db/sql and every list shape prepares against the migrated schema', async () => {
    const statements = [...(await folderStatements()), ...(await listStatements())];
    const names = statements.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['wr_commit_update_events', 'wr_pause_execution', 'wr_resume_lock', 'wr_decide_record', 'wr_notifications_claim', 'wr_token_lookup']));
    expect(statements.length).toBeGreaterThan(20);
    const client = await testPool().connect();
    const failures: string[] = [];
    try {
      for (const [i, s] of statements.entries()) {
        try {
          await client.query(`prepare wr_schema_check_${i} as ${s.text}`);
          await client.query(`deallocate wr_schema_check_${i}`);
        } catch (e) {
          failures.push(`${s.name}: ${(e as Error).message}`);
        }
      }
    } finally {
      client.release();
    }
    expect(failures).toEqual([]);
  });
});
