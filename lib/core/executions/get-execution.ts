import { asc, eq, getTableColumns } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { approvalDecisions, approvalRequests, executionEvents, workflowExecutions, workflows } from '../../db/schema';
import { AppError } from '../errors';
import { isUuid } from '../ids';
import { toApprovalRequestDto } from '../approvals/approval-dto';
import { toEventDto, toExecutionDto, type ExecutionDetailDto } from './execution-dto';

export async function findExecutionRow(db: DbOrTx, id: string) {
  if (!isUuid(id)) throw new AppError('not_found', `execution ${id} not found`);
  const [row] = await db.select().from(workflowExecutions).where(eq(workflowExecutions.id, id));
  if (!row) throw new AppError('not_found', `execution ${id} not found`);
  return row;
}

/** One execution with its timeline and its approval requests. */
export async function getExecution(db: DbOrTx, id: string) {
  if (!isUuid(id)) throw new AppError('not_found', `execution ${id} not found`);
  const [found] = await db
    .select({ e: workflowExecutions, name: workflows.name, key: workflows.key })
    .from(workflowExecutions)
    .innerJoin(workflows, eq(workflows.id, workflowExecutions.workflowId))
    .where(eq(workflowExecutions.id, id));
  if (!found) throw new AppError('not_found', `execution ${id} not found`);
  const [events, approvals, decisions] = await Promise.all([
    db.select().from(executionEvents).where(eq(executionEvents.executionId, id)).orderBy(asc(executionEvents.id)),
    db.select().from(approvalRequests).where(eq(approvalRequests.executionId, id)).orderBy(asc(approvalRequests.createdAt)),
    db
      .select(getTableColumns(approvalDecisions))
      .from(approvalDecisions)
      .innerJoin(approvalRequests, eq(approvalRequests.id, approvalDecisions.approvalId))
      .where(eq(approvalRequests.executionId, id))
      .orderBy(asc(approvalDecisions.createdAt)),
  ]);
  return {
    ...toExecutionDto(found.e, { workflowName: found.name, workflowKey: found.key }),
    events: events.map(toEventDto),
    approvals: approvals.map((a) => toApprovalRequestDto(a, decisions)),
  } satisfies ExecutionDetailDto;
}
