import { getTableColumns } from 'drizzle-orm';
import { z } from 'zod';
import { rowMapper, type DbOrTx } from '../../db/client';
import { runStatement } from '../../db/sql';
import { Placeholders } from '../../db/sql/page-first';
import { workflowExecutions, type ExecutionRow } from '../../db/schema';
import { EXECUTION_STATUSES } from '../engine/state-machine';
import { decodeKeysetCursor, encodeKeysetCursor, PAGE_QUERY } from '../pagination';
import { findWorkflowRow } from '../workflows/workflows';
import { toExecutionListItem, type ExecutionListDto } from './execution-dto';

export const ZListExecutions = z.strictObject({
  status: z.enum(EXECUTION_STATUSES).optional(),
  workflow_id: z.string().min(1).max(100).optional(),
  /** The start of an execution id, as the console shows it ("3f2a9c1e"): hex digits, dashes allowed where the id has them. */
  id_prefix: z
    .string()
    .regex(/^[0-9a-fA-F-]{1,36}$/, 'id_prefix must be hexadecimal digits: the start of an execution id')
    .refine((v) => v.replace(/-/g, '').length >= 1 && v.replace(/-/g, '').length <= 32, 'id_prefix must be hexadecimal digits: the start of an execution id')
    .optional(),
  ...PAGE_QUERY,
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

const fromExecution = rowMapper<ExecutionRow>(workflowExecutions);
/** Every column but `context`: list items leave it out, and it can be large. */
const LIST_COLUMNS = Object.values(getTableColumns(workflowExecutions))
  .map((c) => c.name)
  .filter((name) => name !== 'context')
  .map((name) => `"${name}"`)
  .join(', ');

/**
 * The list statement: the page is chosen first, newest first, from idx_executions_started — or, with
 * filters, idx_executions_status_started, idx_executions_workflow_started or
 * idx_executions_workflow_status_started — and only its rows get their workflow's name and key (by
 * primary key). More filters go into `where`, on the page's own columns, their values behind
 * subselects (Placeholders.hidden). The exception is a short-id search (`id_prefix`): a
 * primary-key range (`id >= $lo and id < $hi`) whose bounds PostgreSQL must see to know it holds a
 * handful of rows (ids are uniformly random, so even old statistics say so), to be read by primary
 * key and sorted — give the plan test (e2e/api/query-plans.test.ts) that shape with the filter.
 */
function listExecutionsStatement(input: ListExecutionsInput, workflowId: string | null) {
  const p = new Placeholders();
  const where: string[] = [];
  // In collation "C", the collation of the status indexes made for this list (migration 0006), and
  // behind a subselect: PostgreSQL then plans for "some status", not the one asked for, so neither a
  // partial index of paused rows (in paused_at order) nor a stale estimate of how many rows have that
  // status can lead it to read them all and sort them.
  if (input.status) where.push(`status collate "C" = ${p.hidden(input.status, '::text')}`);
  if (workflowId) where.push(`workflow_id = ${p.hidden(workflowId, '::uuid')}`);
  if (input.id_prefix) {
    // Visible bounds (not behind subselects): PostgreSQL must see the range is narrow to read it by
    // primary key and sort the handful of rows.
    const [low, high] = idPrefixRange(input.id_prefix);
    where.push(`id between ${p.add(low, '::uuid')} and ${p.add(high, '::uuid')}`);
  }
  // The total ignores the cursor: every page of one filter says the same.
  const filters = [...where];
  const countValues = [...p.values];
  if (input.cursor) {
    const { at, id } = decodeKeysetCursor(input.cursor);
    // A row comparison, so the index scan starts right at the cursor instead of filtering its way there.
    where.push(`(started_at, id) < (${p.hidden(at.toISOString(), '::timestamptz')}, ${p.hidden(id, '::uuid')})`);
  }
  const text = `select e.*, w.name as wr_workflow_name, w.key as wr_workflow_key
    from (select ${LIST_COLUMNS} from workflow_executions
           ${where.length ? `where ${where.join(' and ')}` : ''}
           order by started_at desc, id desc
           limit ${p.hidden(input.limit + 1, '::int')}) e
    cross join lateral (select name, key from workflows where id = e.workflow_id limit 1) w
   order by e.started_at desc, e.id desc`;
  const shape = `${input.status ? 's' : ''}${workflowId ? 'w' : ''}${input.id_prefix ? 'i' : ''}`;
  const count = {
    name: `wr_count_executions_${shape}`,
    // Walked in the list's own index order and stopped at the bound, like the page itself.
    text: `select count(*)::int as n from (select 1 from workflow_executions ${filters.length ? `where ${filters.join(' and ')}` : ''}
             order by started_at desc, id desc limit (select ${EXECUTIONS_TOTAL_EXACT_UP_TO + 1}::int)) bounded`,
    values: countValues,
  };
  return { name: `wr_list_executions_${shape}${input.cursor ? 'c' : ''}`, text, values: p.values, count };
}

/** Newest first, keyset-paged on (started_at, id). */
export async function listExecutions(db: DbOrTx, input: ListExecutionsInput) {
  const workflowId = input.workflow_id ? (await findWorkflowRow(db, input.workflow_id)).id : null;
  const list = listExecutionsStatement(input, workflowId);
  const [raw, counted] = await Promise.all([
    runStatement(db, list, list.values),
    runStatement(db, list.count, list.count.values),
  ]);
  const rows = raw.map((r) => ({ e: fromExecution(r), name: r.wr_workflow_name as string, key: r.wr_workflow_key as string }));
  const n = (counted[0]?.n as number) ?? 0;
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return {
    executions: page.map((r) => toExecutionListItem(r.e, { workflowName: r.name, workflowKey: r.key })),
    count: page.length,
    total: Math.min(n, EXECUTIONS_TOTAL_EXACT_UP_TO),
    total_exact: n <= EXECUTIONS_TOTAL_EXACT_UP_TO,
    next_cursor: rows.length > input.limit && last ? encodeKeysetCursor(last.e.startedAt!, last.e.id) : null,
  } satisfies ExecutionListDto;
}
