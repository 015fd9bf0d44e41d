import { and, asc, eq, gt, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../db/client';
import { approvalRequests } from '../../db/schema';
import { APPROVAL_STATUSES } from '../engine/state-machine';
import { AppError } from '../errors';
import { isUuid } from '../ids';
import { decodeKeysetCursor, encodeKeysetCursor, PAGE_QUERY } from '../pagination';
import type { Actor } from '../access/permissions';
import { approvalQuery, toApprovalDtos, type ApprovalListDto } from './approval-dto';
import { decidedByPredicate, forMePredicate } from './assignment';

export const ZListApprovals = z.strictObject({
  status: z.enum(APPROVAL_STATUSES).optional().meta({ description: 'Default pending; with decided_by=me, any status' }),
  for: z.enum(['me']).optional().meta({ description: 'me: the pending requests I may decide now (assigned to me, my role or someone who delegated to me; not voted on by me; not started or paused by me)' }),
  decided_by: z.enum(['me']).optional().meta({ description: 'me: the requests I voted on' }),
  ...PAGE_QUERY,
});
export type ListApprovalsInput = z.infer<typeof ZListApprovals>;

/** Approval requests of one status, oldest first, keyset-paged on (created_at, id). */
export async function listApprovals(db: DbOrTx, input: ListApprovalsInput, now = new Date(), actor?: Actor) {
  const status = input.status ?? (input.decided_by ? undefined : 'pending');
  const where: SQL[] = status ? [eq(approvalRequests.status, status)] : [];
  // Who-filters (lib/core/approvals/assignment.ts): predicates beside the status one.
  if (input.for === 'me') {
    if (input.status && input.status !== 'pending') throw new AppError('validation_failed', 'for=me lists pending requests; leave out status');
    where.push(actor ? await forMePredicate(db, actor, now) : sql`false`);
  }
  if (input.decided_by === 'me') where.push(actor ? decidedByPredicate(actor) : sql`false`);
  if (input.cursor) {
    const { at, id } = decodeKeysetCursor(input.cursor);
    where.push(or(gt(approvalRequests.createdAt, at), and(eq(approvalRequests.createdAt, at), gt(approvalRequests.id, id)))!);
  }
  const rows = await approvalQuery(db)
    .where(where.length ? and(...where) : undefined)
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
