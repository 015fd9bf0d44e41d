import { getTableColumns } from 'drizzle-orm';
import { z } from 'zod';
import { queryNamed, rowMapper, type DbOrTx } from '../../db/client';
import { Placeholders } from '../../db/page-first';
import { workflowExecutions, type ExecutionRow } from '../../db/schema';
import { EXECUTION_STATUSES } from '../engine/state-machine';
import { decodeKeysetCursor, encodeKeysetCursor, PAGE_QUERY } from '../pagination';
import { findWorkflowRow } from '../workflows/workflows';
import { toExecutionListItem, type ExecutionListDto } from './execution-dto';

export const ZListExecutions = z.strictObject({
  status: z.enum(EXECUTION_STATUSES).optional(),
  workflow_id: z.string().min(1).max(100).optional(),
  ...PAGE_QUERY,
});
export type ListExecutionsInput = z.infer<typeof ZListExecutions>;

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
  const name = `wr_list_executions_${input.status ? 's' : ''}${workflowId ? 'w' : ''}${input.cursor ? 'c' : ''}`;
  return { name, text, values: p.values };
}

/** Newest first, keyset-paged on (started_at, id). */
export async function listExecutions(db: DbOrTx, input: ListExecutionsInput) {
  const workflowId = input.workflow_id ? (await findWorkflowRow(db, input.workflow_id)).id : null;
  const list = listExecutionsStatement(input, workflowId);
  const rows = (await queryNamed(db, list.name, list.text, list.values)).map((r) => ({
    e: fromExecution(r),
    name: r.wr_workflow_name as string,
    key: r.wr_workflow_key as string,
  }));
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return {
    executions: page.map((r) => toExecutionListItem(r.e, { workflowName: r.name, workflowKey: r.key })),
    count: page.length,
    next_cursor: rows.length > input.limit && last ? encodeKeysetCursor(last.e.startedAt!, last.e.id) : null,
  } satisfies ExecutionListDto;
}
