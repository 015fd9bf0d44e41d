import { and, asc, count, eq, gt, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../db/client';
import { approvalDecisions, approvalRequests, workflowExecutions, workflows } from '../../db/schema';
import { decodeKeysetCursor, encodeKeysetCursor } from '../pagination';
import { findWorkflowRow } from '../workflows/workflows';

export const ZListPaused = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional(),
  workflow_id: z.string().min(1).max(100).optional(),
  reason: z.string().max(200).optional(),
});
export type ListPausedInput = z.infer<typeof ZListPaused>;

function escapeLike(s: string) {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Paused executions, oldest first, keyset-paged on (paused_at, id) over a partial index. */
export async function listPausedExecutions(db: DbOrTx, input: ListPausedInput, now = new Date()) {
  const filters: SQL[] = [eq(workflowExecutions.status, 'paused')];
  if (input.workflow_id) filters.push(eq(workflowExecutions.workflowId, (await findWorkflowRow(db, input.workflow_id)).id));
  if (input.reason) filters.push(ilike(workflowExecutions.pausedReason, `%${escapeLike(input.reason)}%`));
  const pageFilters = [...filters];
  if (input.cursor) {
    const { at, id } = decodeKeysetCursor(input.cursor);
    pageFilters.push(or(gt(workflowExecutions.pausedAt, at), and(eq(workflowExecutions.pausedAt, at), gt(workflowExecutions.id, id)))!);
  }
  const [rows, totalRow] = await Promise.all([
    db
      .select({
        e: {
          id: workflowExecutions.id,
          workflowId: workflowExecutions.workflowId,
          status: workflowExecutions.status,
          pausedAt: workflowExecutions.pausedAt,
          pausedReason: workflowExecutions.pausedReason,
          pausedStepId: workflowExecutions.pausedStepId,
          nextStepId: workflowExecutions.nextStepId,
          resumeCount: workflowExecutions.resumeCount,
          pauseKind: workflowExecutions.pauseKind,
          pausedBy: workflowExecutions.pausedBy,
          startedBy: workflowExecutions.startedBy,
          triggerPayload: workflowExecutions.triggerPayload,
          pauseExpiresAt: workflowExecutions.pauseExpiresAt,
          decidedAt: workflowExecutions.decidedAt,
        },
        workflowName: workflows.name,
      })
      .from(workflowExecutions)
      .innerJoin(workflows, eq(workflows.id, workflowExecutions.workflowId))
      .where(and(...pageFilters))
      .orderBy(asc(workflowExecutions.pausedAt), asc(workflowExecutions.id))
      .limit(input.limit + 1),
    db.select({ n: count() }).from(workflowExecutions).where(and(...filters)),
  ]);
  const page = rows.slice(0, input.limit);

  // The approval behind each approval pause: its latest request, and the decisions so far.
  const approvalIds = page.filter((r) => r.e.pauseKind === 'approval').map((r) => r.e.id);
  const approvals = approvalIds.length
    ? await db
        .selectDistinctOn([approvalRequests.executionId])
        .from(approvalRequests)
        .where(inArray(approvalRequests.executionId, approvalIds))
        .orderBy(approvalRequests.executionId, sql`${approvalRequests.createdAt} desc`)
    : [];
  const decisions = approvals.length
    ? await db
        .select()
        .from(approvalDecisions)
        .where(inArray(approvalDecisions.approvalId, approvals.map((a) => a.id)))
        .orderBy(asc(approvalDecisions.createdAt))
    : [];
  const approvalByExecution = new Map(approvals.map((a) => [a.executionId, a]));

  const last = page[page.length - 1];
  return {
    executions: page.map(({ e, workflowName }) => {
      const a = approvalByExecution.get(e.id);
      return {
        id: e.id,
        workflow_id: e.workflowId,
        workflow_name: workflowName,
        status: e.status,
        paused_at: e.pausedAt!.toISOString(),
        paused_reason: e.pausedReason,
        paused_step_id: e.pausedStepId,
        next_step_id: e.nextStepId,
        resume_count: e.resumeCount,
        age_seconds: Math.max(0, Math.floor((now.getTime() - e.pausedAt!.getTime()) / 1000)),
        pause_kind: e.pauseKind,
        paused_by: e.pausedBy,
        started_by: e.startedBy,
        trigger_payload: e.triggerPayload,
        pause_expires_at: e.pauseExpiresAt?.toISOString() ?? null,
        decided_at: e.decidedAt?.toISOString() ?? null,
        approval: a
          ? {
              id: a.id,
              status: a.status,
              approvals_received: a.approvalsReceived,
              required_approvals: a.requiredApprovals,
              approver_role: a.approverRole,
              decisions: decisions
                .filter((d) => d.approvalId === a.id)
                .map((d) => ({ actor: d.actor, decision: d.decision, comment: d.comment, created_at: d.createdAt.toISOString() })),
            }
          : null,
      };
    }),
    count: page.length,
    total: totalRow[0]?.n ?? 0,
    next_cursor: rows.length > input.limit && last ? encodeKeysetCursor(last.e.pausedAt!, last.e.id) : null,
  };
}
