import { z } from 'zod';
import { queryNamed, rowMapper, type Db } from '../../db/client';
import { columnsOf } from '../../db/columns';
import { workflowExecutions, type ExecutionRow } from '../../db/schema';
import type { Actor } from '../access/permissions';
import { assertContextFits } from '../engine/context-limit';
import { ExecutionChange, leaseUntil, runExecution, runSteps, STEPS_PER_TRANSACTION, type RunOptions } from '../engine/run-execution';
import { loadDefinition } from '../engine/workflow-definitions';
import { AppError } from '../errors';
import { findWorkflowRow } from '../workflows/workflows';
import { toExecutionDto } from './execution-dto';

export const ZStartExecution = z.strictObject({
  workflow_id: z.string().min(1).max(100),
  trigger_payload: z.record(z.string(), z.unknown()).default({}),
});
export type StartExecutionInput = z.infer<typeof ZStartExecution>;

// The new row, as a fixed statement sent as a named prepared statement (no query building per start).
const INSERT_SQL = `insert into workflow_executions (workflow_id, status, trigger_payload, context, current_step_id, wake_at, started_at, started_by, updated_at)
values ($1::uuid, 'running', $2::jsonb, $2::jsonb, $3, $4::timestamptz, $5::timestamptz, $6, $5::timestamptz)
returning ${columnsOf(workflowExecutions)}`;
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
  // With a step hook, every step commits on its own (runExecution); otherwise the first ones run here.
  const stepsHere = opts.onStepCommitted ? 0 : Math.min(STEPS_PER_TRANSACTION, maxSteps);
  const { row, ran, done } = await db.transaction(async (tx) => {
    const payload = JSON.stringify(input.trigger_payload);
    const [created] = await queryNamed(tx, 'wr_start_insert', INSERT_SQL, [wf.id, payload, def.first.id, leaseUntil(now), now, actor.id]);
    const change = new ExecutionChange(fromExecution(created!));
    change.event('started', actor.id, null, { workflow_key: wf.key }, now);
    const run = stepsHere > 0 ? runSteps(change, def, actor.id, now, stepsHere, { oversizeContext: 'refuse' }) : { ran: [], done: false };
    return { row: await change.commit(tx, now), ran: run.ran.length, done: run.done };
  });
  const final = !done && row.status === 'running' ? await runExecution(db, row.id, { actor: actor.id, ...opts, maxSteps: maxSteps - ran }) : row;
  return toExecutionDto(final, { workflowName: wf.name, workflowKey: wf.key });
}
