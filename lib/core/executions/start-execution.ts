import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../../db/client';
import type { ExecutionRow, WorkflowRow } from '../../db/schema';
import type { Actor } from '../access/permissions';
import { assertContextFits } from '../engine/context-limit';
import { pausesOnNewKey } from '../callbacks/settle-callback-pauses';
import type { JsonObject } from '../engine/execute-step';
import { CLEARED_PAUSE, ExecutionChange, leaseUntil } from '../engine/execution-change';
import { WORKFLOW_GONE } from '../engine/commit-changes';
import { runExecution, stepsInFirstTransaction, type RunOptions } from '../engine/run-execution';
import { runSteps } from '../engine/run-steps';
import { loadDefinition } from '../engine/workflow-definitions';
import { AppError } from '../errors';
import { findWorkflowForStart, forgetWorkflowForStart } from '../workflows/workflows';
import { toExecutionDto } from './execution-dto';

export const ZStartExecution = z.strictObject({
  workflow_id: z.string().min(1).max(100),
  trigger_payload: z.record(z.string(), z.unknown()).default({}),
});
export type StartExecutionInput = z.infer<typeof ZStartExecution>;

/** How many steps a start runs in the request before handing the rest to the worker. */
const START_MAX_STEPS = 1000;

/**
 * Creates the execution (status running, leased to this process) and runs it as far as it goes
 * right away. The first run of steps commits together with the creation, so a start whose steps
 * would take the context past MAX_CONTEXT_BYTES is refused (422) with nothing written; steps past
 * that run commit in transactions of their own. Should this process die mid-run, the lease lapses
 * and a worker continues it.
 */
export async function startExecution(db: Db, actor: Actor, input: StartExecutionInput, opts: Partial<RunOptions> = {}) {
  const now = opts.now?.() ?? new Date();
  const found = await findWorkflowForStart(db, input.workflow_id);
  try {
    return await startFrom(db, actor, found.row, input, opts, now);
  } catch (e) {
    // The cached workflow was deleted, recreated under its key or disabled meanwhile (the INSERT
    // checks): look it up again — 404 or 409 disabled as without the cache, or the new row.
    if (!found.cached || !(e instanceof AppError && e.code === 'conflict' && e.message === WORKFLOW_GONE)) throw e;
    forgetWorkflowForStart(input.workflow_id);
    return startFrom(db, actor, (await findWorkflowForStart(db, input.workflow_id)).row, input, opts, now);
  }
}

async function startFrom(db: Db, actor: Actor, wf: WorkflowRow, input: StartExecutionInput, opts: Partial<RunOptions>, now: Date) {
  if (!wf.enabled) throw new AppError('conflict', `workflow ${wf.key} is disabled`);
  const def = await loadDefinition(db, wf.id);
  assertContextFits(input.trigger_payload, 'trigger_payload');
  const maxSteps = opts.maxSteps ?? START_MAX_STEPS;
  const stepsHere = stepsInFirstTransaction(opts, maxSteps);
  const change = new ExecutionChange(newExecutionRow(wf.id, input.trigger_payload, def.first.id, now, actor.id), { isNew: true });
  change.event('started', actor.id, null, { workflow_key: wf.key }, now);
  const run = stepsHere > 0 ? runSteps(change, def, actor.id, now, stepsHere, { oversizeContext: 'refuse' }) : { ran: [], done: false };
  // Usually one INSERT of the row as its first steps left it, with its events (commitChanges); a start
  // that opens an approval request or pauses on a callback key writes those too, in one transaction.
  const needsTransaction = change.approvals.length > 0 || pausesOnNewKey(change);
  const row = needsTransaction ? await db.transaction((tx) => change.commit(tx, now)) : await change.commit(db, now);
  const final = !run.done && row.status === 'running' ? await runExecution(db, row.id, { actor: actor.id, ...opts, maxSteps: maxSteps - run.ran.length }) : row;
  return toExecutionDto(final, { workflowName: wf.name, workflowKey: wf.key });
}

/**
 * The execution as it is created — running, leased to this process, the trigger payload as its first
 * context — built in memory so that its first steps run before anything is written.
 * e2e/api/start-execution.test.ts checks it against the row the database makes of the same values.
 */
export function newExecutionRow(workflowId: string, payload: JsonObject, firstStepId: string, now: Date, actor: string): ExecutionRow {
  return {
    id: randomUUID(),
    workflowId,
    status: 'running',
    triggerPayload: payload,
    // Its own copy: steps change the context, never the trigger payload.
    context: structuredClone(payload),
    currentStepId: firstStepId,
    wakeAt: leaseUntil(now),
    waitingUntil: null,
    startedAt: now,
    startedBy: actor,
    completedAt: null,
    error: null,
    ...CLEARED_PAUSE,
    resumeData: null,
    resumeCount: 0,
    lastResumedAt: null,
    stepsRun: 0,
    version: 0,
    updatedAt: now,
  };
}
