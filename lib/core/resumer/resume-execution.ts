import { z } from 'zod';
import { rowMapper, type Db } from '../../db/client';
import { runStatement } from '../../db/sql';
import { RESUME_LOCK, RESUME_READ } from '../../db/sql/resume-execution';
import { workflowExecutions, type ExecutionRow } from '../../db/schema';
import type { Actor } from '../access/permissions';
import { ExecutionChange } from '../engine/execution-change';
import { runExecution, stepsInFirstTransaction, type RunOptions } from '../engine/run-execution';
import { runSteps } from '../engine/run-steps';
import { loadDefinition } from '../engine/workflow-definitions';
import { castVote, lockPendingApproval, type Vote } from '../approvals/decide-approval';
import { assertMayDecide } from '../approvals/decision-rules';
import { AppError } from '../errors';
import { toExecutionDto } from '../executions/execution-dto';
import { isUuid } from '../ids';
import { applyResume } from './apply-resume';
import { pausesOnNewKey } from '../callbacks/settle-callback-pauses';

export const MAX_RESUME_DATA_BYTES = 64 * 1024;

export const ZResumeExecution = z.strictObject({
  resume_data: z
    .record(z.string(), z.unknown(), { error: 'resume_data must be a JSON object' })
    .refine((v) => Buffer.byteLength(JSON.stringify(v)) <= MAX_RESUME_DATA_BYTES, { message: 'resume_data is larger than 64 KB' })
    .optional(),
});
export type ResumeExecutionInput = z.infer<typeof ZResumeExecution>;

/** A resume of a pending approval is a vote, and carries nothing else. */
const ZResumeVote = z.strictObject({
  approved: z.boolean({ error: 'must be true or false (a JSON boolean)' }),
  comment: z.string().trim().max(2000).optional(),
  // As on POST /approvals/{id}/approve|reject: the decision's input and the payload version seen.
  data: z.record(z.string(), z.unknown(), { error: 'must be a JSON object' }).optional(),
  payload_version: z.number().int().min(1).optional(),
});

function parseResumeVote(data: Record<string, unknown>): Vote {
  const r = ZResumeVote.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.code === 'unrecognized_keys' ? `resume_data.${issue.keys.join(', ')}` : ['resume_data', ...issue.path.map(String)].join('.');
    const what = issue.code === 'unrecognized_keys' ? 'not allowed' : issue.message;
    throw new AppError(
      'validation_failed',
      `${where}: ${what}; a resume of a pending approval is a vote: {"approved": true|false, "comment"?: "…"}, with "data"?: {…} and "payload_version"?: n as on approve/reject`,
    );
  }
  return {
    decision: r.data.approved ? 'approve' : 'reject',
    comment: r.data.comment ? r.data.comment : null,
    data: r.data.data,
    payloadVersion: r.data.payload_version,
  };
}

const fromDriver = rowMapper<ExecutionRow>(workflowExecutions);

/**
 * The common case in two round trips instead of four: read the execution without a lock, resume it
 * and run its steps in memory, and write the result with one compare-and-set statement (the row,
 * its version checked, and all its events — atomic on its own, no transaction needed). Only for
 * pauses with no approval bookkeeping, and only when the steps open no approval request (those
 * writes need a transaction). Returns null — the caller takes the locked path — whenever anything
 * is off: not paused, an approval pause, expired, approvals opened, or the row changed meanwhile
 * (a racing resume, a cancel, the worker). The locked path then re-reads under the lock and answers
 * exactly as before (409 not_paused for the losers of a race), so this never decides a refusal.
 */
async function resumeOptimistically(db: Db, actor: Actor, id: string, data: Record<string, unknown>, now: Date, steps: number) {
  const [raw] = await runStatement(db, RESUME_READ, [id]);
  if (!raw) return null;
  const cur = fromDriver(raw);
  if (cur.status !== 'paused' || cur.pauseKind === 'approval' || cur.decidedAt) return null;
  if (cur.pauseExpiresAt && cur.pauseExpiresAt <= now) return null;
  const change = new ExecutionChange(cur);
  await applyResume(db, change, { data, actor: actor.id, now, source: 'api' });
  let done = change.current.status !== 'running';
  if (!done && steps > 0) done = runSteps(change, await loadDefinition(db, cur.workflowId), actor.id, now, steps, { oversizeContext: 'refuse' }).done;
  if (change.approvals.length > 0 || pausesOnNewKey(change)) return null;
  try {
    // Outside a transaction and opening no approval request: one statement, atomic on its own.
    const row = await change.commit(db, now);
    return { row, done, workflow: { name: raw.wr_workflow_name as string, key: raw.wr_workflow_key as string } };
  } catch (e) {
    if (e instanceof AppError && e.code === 'conflict') return null;
    throw e;
  }
}

/** The optimistic path, or null; refusals it computed from an unlocked read are left to the locked path. */
async function tryOptimistically(...args: Parameters<typeof resumeOptimistically>) {
  try {
    return await resumeOptimistically(...args);
  } catch (e) {
    if (e instanceof AppError && (e.code === 'context_too_large' || e.code === 'validation_failed')) return null;
    throw e;
  }
}

/**
 * Resumes a paused execution with `resume_data` shallow-merged into its context, then runs it on
 * in the same request — committed together with the resume, so the resume and the steps after it
 * happen at once or not at all. Of many concurrent resumes exactly one wins: every write is a
 * compare-and-set on the row's version (optimistic path) or made under the row lock (locked path),
 * and the rest find it no longer paused (409 not_paused).
 */
export async function resumeExecution(db: Db, actor: Actor, id: string, input: ResumeExecutionInput = {}, opts: Partial<RunOptions> = {}) {
  if (!isUuid(id)) throw new AppError('not_found', `execution ${id} not found`);
  const now = opts.now?.() ?? new Date();
  const data = input.resume_data ?? {};
  const stepsHere = stepsInFirstTransaction(opts, opts.maxSteps);
  const fast = stepsHere > 0 ? await tryOptimistically(db, actor, id, data, now, stepsHere) : null;
  const { row, done, workflow } = fast ?? await db.transaction(async (tx) => {
    const [raw] = await runStatement(tx, RESUME_LOCK, [id]);
    if (!raw) throw new AppError('not_found', `execution ${id} not found`);
    const found = { name: raw.wr_workflow_name as string, key: raw.wr_workflow_key as string };
    const cur = fromDriver(raw);
    if (cur.status !== 'paused') throw new AppError('not_paused', `execution is ${cur.status}; only paused executions can be resumed`);
    if (cur.pauseKind === 'approval' && cur.decidedAt) {
      // The decision is final and carries the resume data; the worker resumes with it. A manual
      // resume now would be a second state change, possibly contradicting the decision.
      throw new AppError('not_pending', 'the approval is already decided; the worker resumes the execution with that decision');
    }
    if (!cur.decidedAt && cur.pauseExpiresAt && cur.pauseExpiresAt <= now) {
      throw new AppError('pause_expired', `the pause expired at ${cur.pauseExpiresAt.toISOString()}; it can no longer be resumed`);
    }
    let resumeData = data;
    if (cur.pauseKind === 'approval') {
      // The approval is pending, so this resume is a vote, judged like POST /approvals/{id}/approve
      // or /reject. The rules come first: whoever may not decide learns nothing from the validation.
      const pending = await lockPendingApproval(tx, cur);
      if (!pending) throw new AppError('not_pending', 'this approval pause has no pending approval request to decide; cancel it instead');
      assertMayDecide(actor, pending);
      const cast = await castVote(tx, actor, pending, parseResumeVote(data), now);
      // Short of the quorum: the vote is in and the execution stays paused.
      if (!cast.resumeData) return { row: cur, done: true, workflow: found };
      // The vote decided it: resume with the decision now, as the worker would.
      resumeData = cast.resumeData;
    }
    const change = new ExecutionChange(cur);
    await applyResume(tx, change, { data: resumeData, actor: actor.id, now, source: 'api' });
    let finished = change.current.status !== 'running';
    if (!finished && stepsHere > 0) finished = runSteps(change, await loadDefinition(tx, cur.workflowId), actor.id, now, stepsHere, { oversizeContext: 'refuse' }).done;
    return { row: await change.commit(tx, now), done: finished, workflow: found };
  });
  // Left over: steps past the first transaction's share (or every step, with commitEachStep).
  const final = !done && row.status === 'running' ? await runExecution(db, row.id, { actor: actor.id, ...opts }) : row;
  return toExecutionDto(final, { workflowName: workflow.name, workflowKey: workflow.key });
}
