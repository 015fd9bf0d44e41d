import { and, between, count, desc, eq, lt, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../db/client';
import { workflowExecutions, workflows } from '../../db/schema';
import { EXECUTION_STATUSES } from '../engine/state-machine';
import { decodeKeysetCursor, encodeKeysetCursor } from '../pagination';
import { findWorkflowRow } from '../workflows/workflows';
import { toExecutionDto } from './execution-dto';

export const ZListExecutions = z.strictObject({
  status: z.enum(EXECUTION_STATUSES).optional(),
  workflow_id: z.string().min(1).max(100).optional(),
  /** The start of an execution id, as the console shows it ("3f2a9c1e"): hex digits, dashes allowed where the id has them. */
  id_prefix: z
    .string()
    .regex(/^[0-9a-fA-F-]{1,36}$/, 'id_prefix must be hexadecimal digits: the start of an execution id')
    .refine((v) => v.replace(/-/g, '').length >= 1 && v.replace(/-/g, '').length <= 32, 'id_prefix must be hexadecimal digits: the start of an execution id')
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional(),
});
export type ListExecutionsInput = z.infer<typeof ZListExecutions>;

/** `total` is exact up to this many matches; above it the list says "more than" (a count of a million rows is not free). */
export const EXECUTIONS_TOTAL_EXACT_UP_TO = 10_000;

/** The ids a prefix stands for, as the closed range [low, high] of uuids: a range scan of the primary key. */
export function idPrefixRange(prefix: string): [string, string] {
  const hex = prefix.replace(/-/g, '').toLowerCase();
  const asUuid = (h: string) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  return [asUuid(hex.padEnd(32, '0')), asUuid(hex.padEnd(32, 'f'))];
}

/** Newest first, keyset-paged on (started_at, id). */
export async function listExecutions(db: DbOrTx, input: ListExecutionsInput) {
  const where: SQL[] = [];
  if (input.status) where.push(eq(workflowExecutions.status, input.status));
  if (input.id_prefix) {
    const [low, high] = idPrefixRange(input.id_prefix);
    where.push(between(workflowExecutions.id, low, high));
  }
  if (input.workflow_id) where.push(eq(workflowExecutions.workflowId, (await findWorkflowRow(db, input.workflow_id)).id));
  // The total ignores the cursor: every page of one filter says the same.
  const filters = [...where];
  if (input.cursor) {
    const { at, id } = decodeKeysetCursor(input.cursor);
    where.push(or(lt(workflowExecutions.startedAt, at), and(eq(workflowExecutions.startedAt, at), lt(workflowExecutions.id, id)))!);
  }
  const bounded = db
    .select({ one: sql`1` })
    .from(workflowExecutions)
    .where(filters.length ? and(...filters) : undefined)
    .limit(EXECUTIONS_TOTAL_EXACT_UP_TO + 1)
    .as('bounded');
  const totalQuery = db.select({ n: count() }).from(bounded);
  const rowsQuery = db
    .select({ e: workflowExecutions, name: workflows.name, key: workflows.key })
    .from(workflowExecutions)
    .innerJoin(workflows, eq(workflows.id, workflowExecutions.workflowId))
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(workflowExecutions.startedAt), desc(workflowExecutions.id))
    .limit(input.limit + 1);
  const [rows, [counted]] = await Promise.all([rowsQuery, totalQuery]);
  const n = counted?.n ?? 0;
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return {
    executions: page.map((r) => toExecutionDto(r.e, { workflowName: r.name, workflowKey: r.key })),
    count: page.length,
    /** How many match the filters (all pages), exact when `total_exact`; otherwise more than EXECUTIONS_TOTAL_EXACT_UP_TO. */
    total: Math.min(n, EXECUTIONS_TOTAL_EXACT_UP_TO),
    total_exact: n <= EXECUTIONS_TOTAL_EXACT_UP_TO,
    next_cursor: rows.length > input.limit && last ? encodeKeysetCursor(last.e.startedAt!, last.e.id) : null,
  };
}
