import { and, desc, eq, lt } from 'drizzle-orm';
import { z } from 'zod';
import { queryNamed, rowMapper, type DbOrTx } from '../../db/client';
import { columnsOf } from '../../db/columns';
import { approvalDecisions, approvalRequests, executionEvents, workflowExecutions, type ApprovalDecisionRow, type ApprovalRow, type ExecutionEventRow, type ExecutionRow } from '../../db/schema';
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
  await findExecutionRow(db, id);
  const { events, next_cursor } = await timelinePage(db, id, input);
  return { events, count: events.length, next_cursor } satisfies ExecutionEventPageDto;
}

export async function findExecutionRow(db: DbOrTx, id: string) {
  if (!isUuid(id)) throw new AppError('not_found', `execution ${id} not found`);
  const [row] = await db.select().from(workflowExecutions).where(eq(workflowExecutions.id, id));
  if (!row) throw new AppError('not_found', `execution ${id} not found`);
  return row;
}

/**
 * The detail in one round trip: the execution with its workflow's name and key, the newest
 * TIMELINE_PAGE + 1 events (the extra one says whether older ones exist), its approval requests and
 * their decisions, each set as a JSON array built by PostgreSQL. A fixed statement, sent as a named
 * prepared statement (parsed and planned once per connection). It was five statements built by
 * drizzle per request, in three waves of round trips.
 */
const DETAIL_SQL = `select ${columnsOf(workflowExecutions, 'e')}, w.name as wr_workflow_name, w.key as wr_workflow_key,
       (select coalesce(json_agg(x order by x.id desc), '[]'::json)
          from (select ${columnsOf(executionEvents, 'ev')} from execution_events ev where ev.execution_id = e.id order by ev.id desc limit ${TIMELINE_PAGE + 1}) x) as wr_events,
       (select coalesce(json_agg(x order by x.created_at), '[]'::json)
          from (select ${columnsOf(approvalRequests, 'a')} from approval_requests a where a.execution_id = e.id) x) as wr_approvals,
       (select coalesce(json_agg(x order by x.created_at), '[]'::json)
          from (select ${columnsOf(approvalDecisions, 'd')} from approval_decisions d join approval_requests a on a.id = d.approval_id where a.execution_id = e.id) x) as wr_decisions
  from workflow_executions e
  join workflows w on w.id = e.workflow_id
 where e.id = $1::uuid`;
const fromExecution = rowMapper<ExecutionRow>(workflowExecutions);
const fromEvent = rowMapper<ExecutionEventRow>(executionEvents);
const fromApproval = rowMapper<ApprovalRow>(approvalRequests);
const fromDecision = rowMapper<ApprovalDecisionRow>(approvalDecisions);

/** One execution with the newest TIMELINE_PAGE events of its timeline and its approval requests. */
export async function getExecution(db: DbOrTx, id: string) {
  if (!isUuid(id)) throw new AppError('not_found', `execution ${id} not found`);
  const [raw] = await queryNamed(db, 'wr_execution_detail', DETAIL_SQL, [id]);
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
