import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { approvalRequests } from '../../db/schema';
import { AppError } from '../errors';
import { isUuid } from '../ids';
import { approvalQuery, toApprovalDtos } from './approval-dto';

/** GET /approvals/{id}: one request with its execution's facts and its decisions. */
export async function getApproval(db: DbOrTx, id: string, now = new Date()) {
  if (!isUuid(id)) throw new AppError('not_found', `approval ${id} not found`);
  const rows = await approvalQuery(db).where(eq(approvalRequests.id, id));
  if (!rows[0]) throw new AppError('not_found', `approval ${id} not found`);
  return (await toApprovalDtos(db, rows, now))[0]!;
}
