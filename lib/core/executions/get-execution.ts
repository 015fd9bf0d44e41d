import { and, desc, eq, lt } from 'drizzle-orm';
import { z } from 'zod';
import { rowMapper, type DbOrTx } from '../../db/client';
import { runStatement } from '../../db/sql';
import { EXECUTION_DETAIL, TIMELINE_PAGE } from '../../db/sql/execution-detail';
import { approvalDecisions, approvalRequests, executionEvents, workflowExecutions, type ApprovalDecisionRow, type ApprovalRow, type ExecutionEventRow, type ExecutionRow } from '../../db/schema';
import { AppError } from '../errors';
import { isUuid } from '../ids';
import { decodeIdCursor, encodeIdCursor } from '../pagination';
import { notificationsByApproval } from '../notifications/notification-dto';
import { toApprovalRequestDto } from '../approvals/approval-dto';
import { toEventDto, toExecutionDto, type ExecutionDetailDto, type ExecutionEventPageDto } from './execution-dto';

/** How many of the newest events GET /executions/{id} carries; older ones are paged. */
export { TIMELINE_PAGE };

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

const fromExecution = rowMapper<ExecutionRow>(workflowExecutions);
const fromEvent = rowMapper<ExecutionEventRow>(executionEvents);
const fromApproval = rowMapper<ApprovalRow>(approvalRequests);
const fromDecision = rowMapper<ApprovalDecisionRow>(approvalDecisions);

/** One execution with the newest TIMELINE_PAGE events of its timeline and its approval requests. */
export async function getExecution(db: DbOrTx, id: string) {
  if (!isUuid(id)) throw new AppError('not_found', `execution ${id} not found`);
  const [raw] = await runStatement(db, EXECUTION_DETAIL, [id]);
  if (!raw) throw new AppError('not_found', `execution ${id} not found`);
  const rows = (raw.wr_events as Record<string, unknown>[]).map(fromEvent);
  const page = rows.slice(0, TIMELINE_PAGE).reverse();
  const approvals = (raw.wr_approvals as Record<string, unknown>[]).map(fromApproval);
  const decisions = (raw.wr_decisions as Record<string, unknown>[]).map(fromDecision);
  const sent = await notificationsByApproval(db, approvals.map((a) => a.id));
  return {
    ...toExecutionDto(fromExecution(raw), { workflowName: raw.wr_workflow_name as string, workflowKey: raw.wr_workflow_key as string }),
    events: page.map(toEventDto),
    events_next_cursor: rows.length > TIMELINE_PAGE ? encodeIdCursor(page[0]!.id) : null,
    approvals: approvals.map((a) => toApprovalRequestDto(a, decisions, sent.get(a.id) ?? [])),
  } satisfies ExecutionDetailDto;
}
