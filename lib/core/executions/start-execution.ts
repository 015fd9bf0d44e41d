import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { rowMapper, type Db } from '../../db/client';
import { runStatement } from '../../db/sql';
import { INSERT_EXECUTION } from '../../db/sql/start-execution';
import { workflowExecutions, type ExecutionRow, type WorkflowRow } from '../../db/schema';
import type { Actor } from '../access/permissions';
import { assertContextFits } from '../engine/context-limit';
import { pausesOnNewKey } from '../callbacks/settle-callback-pauses';
import type { CompiledDefinition } from '../engine/definition';
import type { JsonObject } from '../engine/execute-step';
import { CLEARED_PAUSE, ExecutionChange, leaseUntil } from '../engine/execution-change';
import { runExecution, stepsInFirstTransaction, type RunOptions } from '../engine/run-execution';
import { runSteps } from '../engine/run-steps';
import { loadDefinition } from '../engine/workflow-definitions';
import { AppError } from '../errors';
import { findWorkflowRow } from '../workflows/workflows';
import { toExecutionDto } from './execution-dto';

export const ZStartExecution = z.strictObject({
  workflow_id: z.string().min(1).max(100),
  trigger_payload: z.record(z.string(), z.unknown()).default({}),
});
export type StartExecutionInput = z.infer<typeof ZStartExecution>;

const fromExecution = rowMapper<ExecutionRow>(workflowExecutions);

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
  const wf = await findWorkflowRow(db, input.workflow_id);
  if (!wf.enabled) throw new AppError('conflict', `workflow ${wf.key} is disabled`);
  const def = await loadDefinition(db, wf.id);
  assertContextFits(input.trigger_payload, 'trigger_payload');
  const now = opts.now?.() ?? new Date();
  const maxSteps = opts.maxSteps ?? START_MAX_STEPS;
  const stepsHere = stepsInFirstTransaction(opts, maxSteps);
  const payload = JSON.stringify(input.trigger_payload);
  const started = stepsHere > 0 ? runFirstSteps(newExecutionRow(wf.id, payload, def.first.id, now, actor.id), wf.key, def, actor.id, now, stepsHere) : null;
  // Usually the new execution is written as its first steps left it, with its events, in one statement.
  const firstRun =
    started && started.change.approvals.length === 0 && !pausesOnNewKey(started.change)
      ? { row: await started.change.commit(db, now), ran: started.ran.length, done: started.done }
      : await insertThenRun(db, wf, def, payload, now, actor.id, stepsHere);
  const { row, ran, done } = firstRun;
  const final = !done && row.status === 'running' ? await runExecution(db, row.id, { actor: actor.id, ...opts, maxSteps: maxSteps - ran }) : row;
  return toExecutionDto(final, { workflowName: wf.name, workflowKey: wf.key });
}

/**
 * The execution as the database creates it (INSERT_EXECUTION: running, leased to this process, the
 * trigger payload as its first context), built in memory so that its first steps can run before it is
 * written. e2e/api/start-execution.test.ts checks it against the row the database creates.
 */
export function newExecutionRow(workflowId: string, payload: string, firstStepId: string, now: Date, actor: string): ExecutionRow {
  return {
    id: randomUUID(),
    workflowId,
    status: 'running',
    triggerPayload: JSON.parse(payload) as JsonObject,
    context: JSON.parse(payload) as JsonObject,
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

function runFirstSteps(row: ExecutionRow, workflowKey: string, def: CompiledDefinition, actor: string, now: Date, steps: number, isNew = true) {
  const change = new ExecutionChange(row, { isNew });
  change.event('started', actor, null, { workflow_key: workflowKey }, now);
  const run = steps > 0 ? runSteps(change, def, actor, now, steps, { oversizeContext: 'refuse' }) : { ran: [], done: false };
  return { change, ran: run.ran, done: run.done };
}

/**
 * A start whose first steps open an approval request or pause on a callback key (or, under the crash
 * tests' seam, run no step here): the row is inserted first, then the change is committed as an update
 * in the same transaction, after those writes that refer to the row.
 */
async function insertThenRun(db: Db, wf: WorkflowRow, def: CompiledDefinition, payload: string, now: Date, actor: string, stepsHere: number) {
  return db.transaction(async (tx) => {
    const [created] = await runStatement(tx, INSERT_EXECUTION, [wf.id, payload, def.first.id, leaseUntil(now), now, actor]);
    const { change, ran, done } = runFirstSteps(fromExecution(created!), wf.key, def, actor, now, stepsHere, false);
    return { row: await change.commit(tx, now), ran: ran.length, done };
  });
}
