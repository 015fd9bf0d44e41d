import { and, desc, eq, lt, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../db/client';
import { workflowExecutions, workflows } from '../../db/schema';
import { EXECUTION_STATUSES } from '../engine/state-machine';
import { decodeKeysetCursor, encodeKeysetCursor } from '../pagination';
import { findWorkflowRow } from '../workflows/workflows';
import { toExecutionListItem } from './execution-dto';

export const ZListExecutions = z.strictObject({
  status: z.enum(EXECUTION_STATUSES).optional(),
  workflow_id: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional(),
});
export type ListExecutionsInput = z.infer<typeof ZListExecutions>;

/** Newest first, keyset-paged on (started_at, id). */
export async function listExecutions(db: DbOrTx, input: ListExecutionsInput) {
  const where: SQL[] = [];
  if (input.status) where.push(eq(workflowExecutions.status, input.status));
  if (input.workflow_id) where.push(eq(workflowExecutions.workflowId, (await findWorkflowRow(db, input.workflow_id)).id));
  if (input.cursor) {
    const { at, id } = decodeKeysetCursor(input.cursor);
    where.push(or(lt(workflowExecutions.startedAt, at), and(eq(workflowExecutions.startedAt, at), lt(workflowExecutions.id, id)))!);
  }
  const rows = await db
    .select({ e: workflowExecutions, name: workflows.name, key: workflows.key })
    .from(workflowExecutions)
    .innerJoin(workflows, eq(workflows.id, workflowExecutions.workflowId))
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(workflowExecutions.startedAt), desc(workflowExecutions.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return {
    executions: page.map((r) => toExecutionListItem(r.e, { workflowName: r.name, workflowKey: r.key })),
    count: page.length,
    next_cursor: rows.length > input.limit && last ? encodeKeysetCursor(last.e.startedAt!, last.e.id) : null,
  };
}
