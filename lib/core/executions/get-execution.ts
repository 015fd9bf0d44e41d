import { and, desc, eq, getTableColumns, lt, asc } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../db/client';
import { approvalDecisions, approvalRequests, executionEvents, workflowExecutions, workflows } from '../../db/schema';
import { AppError } from '../errors';
import { isUuid } from '../ids';
import { decodeIdCursor, encodeIdCursor } from '../pagination';
import { notificationsByApproval } from '../notifications/notification-dto';
import { toApprovalRequestDto } from '../approvals/approval-dto';
import { toEventDto, toExecutionDto, type ExecutionDetailDto, type ExecutionEventPageDto } from './execution-dto';

/** How many of the newest events GET /executions/{id} carries; older ones are paged. */
export const TIMELINE_PAGE = 50;

export const ZListExecutionEvents = z.strictObject({
  cursor: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(TIMELINE_PAGE),
});
export type ListExecutionEventsInput = z.infer<typeof ZListExecutionEvents>;

/**
 * One page of a timeline, walking back from the newest event (or from before `cursor`): the page's
 * events oldest first, and the cursor of the events before them (null at the start).
 */
async function timelinePage(db: DbOrTx, executionId: string, input: { cursor?: string; limit: number }) {
  const before = input.cursor ? decodeIdCursor(input.cursor) : null;
  const rows = await db
    .select()
    .from(executionEvents)
    .where(and(eq(executionEvents.executionId, executionId), before === null ? undefined : lt(executionEvents.id, before)))
    .orderBy(desc(executionEvents.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit).reverse();
  return { events: page.map(toEventDto), next_cursor: rows.length > input.limit ? encodeIdCursor(page[0]!.id) : null };
}

/** GET /executions/{id}/events: the timeline's older pages (the detail carries the newest). */
export async function listExecutionEvents(db: DbOrTx, id: string, input: ListExecutionEventsInput) {
  await assertExecutionExists(db, id);
  const { events, next_cursor } = await timelinePage(db, id, input);
  return { events, count: events.length, next_cursor } satisfies ExecutionEventPageDto;
}

async function assertExecutionExists(db: DbOrTx, id: string): Promise<void> {
  if (!isUuid(id)) throw new AppError('not_found', `execution ${id} not found`);
  const [row] = await db.select({ id: workflowExecutions.id }).from(workflowExecutions).where(eq(workflowExecutions.id, id));
  if (!row) throw new AppError('not_found', `execution ${id} not found`);
}

/** One execution with the newest TIMELINE_PAGE events of its timeline and its approval requests. */
export async function getExecution(db: DbOrTx, id: string) {
  if (!isUuid(id)) throw new AppError('not_found', `execution ${id} not found`);
  const [found] = await db
    .select({ e: workflowExecutions, name: workflows.name, key: workflows.key })
    .from(workflowExecutions)
    .innerJoin(workflows, eq(workflows.id, workflowExecutions.workflowId))
    .where(eq(workflowExecutions.id, id));
  if (!found) throw new AppError('not_found', `execution ${id} not found`);
  const [timeline, approvals, decisions] = await Promise.all([
    timelinePage(db, id, { limit: TIMELINE_PAGE }),
    db.select().from(approvalRequests).where(eq(approvalRequests.executionId, id)).orderBy(asc(approvalRequests.createdAt)),
    db
      .select(getTableColumns(approvalDecisions))
      .from(approvalDecisions)
      .innerJoin(approvalRequests, eq(approvalRequests.id, approvalDecisions.approvalId))
      .where(eq(approvalRequests.executionId, id))
      .orderBy(asc(approvalDecisions.createdAt)),
  ]);
  const sent = await notificationsByApproval(db, approvals.map((a) => a.id));
  return {
    ...toExecutionDto(found.e, { workflowName: found.name, workflowKey: found.key }),
    events: timeline.events,
    events_next_cursor: timeline.next_cursor,
    approvals: approvals.map((a) => toApprovalRequestDto(a, decisions, sent.get(a.id) ?? [])),
  } satisfies ExecutionDetailDto;
}
