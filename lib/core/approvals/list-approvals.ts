import { and, asc, eq, gt, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../db/client';
import { approvalRequests } from '../../db/schema';
import { APPROVAL_STATUSES } from '../engine/state-machine';
import { AppError } from '../errors';
import { isUuid } from '../ids';
import { decodeKeysetCursor, encodeKeysetCursor, PAGE_QUERY } from '../pagination';
import { approvalQuery, toApprovalDtos, type ApprovalListDto } from './approval-dto';

export const ZListApprovals = z.strictObject({
  status: z.enum(APPROVAL_STATUSES).default('pending'),
  ...PAGE_QUERY,
});
export type ListApprovalsInput = z.infer<typeof ZListApprovals>;

/** Approval requests of one status, oldest first, keyset-paged on (created_at, id). */
export async function listApprovals(db: DbOrTx, input: ListApprovalsInput, now = new Date()) {
  const where: SQL[] = [eq(approvalRequests.status, input.status)];
  if (input.cursor) {
    const { at, id } = decodeKeysetCursor(input.cursor);
    where.push(or(gt(approvalRequests.createdAt, at), and(eq(approvalRequests.createdAt, at), gt(approvalRequests.id, id)))!);
  }
  const rows = await approvalQuery(db)
    .where(and(...where))
    .orderBy(asc(approvalRequests.createdAt), asc(approvalRequests.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return {
    approvals: await toApprovalDtos(db, page, now),
    count: page.length,
    next_cursor: rows.length > input.limit && last ? encodeKeysetCursor(last.a.createdAt!, last.a.id) : null,
  } satisfies ApprovalListDto;
}

export async function getApproval(db: DbOrTx, id: string, now = new Date()) {
  if (!isUuid(id)) throw new AppError('not_found', `approval ${id} not found`);
  const rows = await approvalQuery(db).where(eq(approvalRequests.id, id));
  if (!rows[0]) throw new AppError('not_found', `approval ${id} not found`);
  return (await toApprovalDtos(db, rows, now))[0]!;
}
