import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { workflowExecutions, workflows } from '../../db/schema';
import type { Actor } from '../access/permissions';
import { runExecution, type RunOptions } from '../engine/run-execution';
import { AppError } from '../errors';
import { toExecutionDto } from '../executions/execution-dto';
import { isUuid } from '../pagination';
import { applyResume } from './apply-resume';

export const MAX_RESUME_DATA_BYTES = 64 * 1024;

export const ZResumeExecution = z.strictObject({
  resume_data: z
    .record(z.string(), z.unknown(), { error: 'resume_data must be a JSON object' })
    .refine((v) => Buffer.byteLength(JSON.stringify(v)) <= MAX_RESUME_DATA_BYTES, { message: 'resume_data is larger than 64 KB' })
    .optional(),
});
export type ResumeExecutionInput = z.infer<typeof ZResumeExecution>;

/**
 * Resumes a paused execution with `resume_data` shallow-merged into its context, then runs it on
 * in the same request. Of many concurrent resumes exactly one wins: the row lock serialises them
 * and the rest find it no longer paused (409 not_paused).
 */
export async function resumeExecution(db: Db, actor: Actor, id: string, input: ResumeExecutionInput = {}, opts: Partial<RunOptions> = {}) {
  if (!isUuid(id)) throw new AppError('not_found', `execution ${id} not found`);
  const now = opts.now?.() ?? new Date();
  const data = input.resume_data ?? {};
  const row = await db.transaction(async (tx) => {
    const [cur] = await tx.select().from(workflowExecutions).where(eq(workflowExecutions.id, id)).for('update');
    if (!cur) throw new AppError('not_found', `execution ${id} not found`);
    if (cur.status !== 'paused') throw new AppError('not_paused', `execution is ${cur.status}; only paused executions can be resumed`);
    if (!cur.decidedAt && cur.pauseExpiresAt && cur.pauseExpiresAt <= now) {
      throw new AppError('pause_expired', `the pause expired at ${cur.pauseExpiresAt.toISOString()}; it can no longer be resumed`);
    }
    if (cur.pauseKind === 'approval' && !cur.decidedAt && (actor.id === cur.startedBy || actor.id === cur.pausedBy)) {
      throw new AppError('self_approval', 'you started this execution, so you cannot decide its approval');
    }
    return applyResume(tx, cur, { data, actor: actor.id, now, source: 'api' });
  });
  const final = row.status === 'running' ? await runExecution(db, row.id, { actor: actor.id, ...opts }) : row;
  const [wf] = await db.select({ name: workflows.name, key: workflows.key }).from(workflows).where(eq(workflows.id, final.workflowId));
  return toExecutionDto(final, { workflowName: wf?.name, workflowKey: wf?.key });
}
