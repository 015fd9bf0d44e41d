import { z } from 'zod';
import type { Db } from '../../db/client';
import { workflowExecutions } from '../../db/schema';
import type { Actor } from '../access/permissions';
import { compileDefinition, ZDefinition } from '../engine/definition';
import { leaseUntil, recordEvent, runExecution, type RunOptions } from '../engine/run-execution';
import { AppError } from '../errors';
import { findWorkflowRow } from '../workflows/workflows';
import { toExecutionDto } from './execution-dto';

export const ZStartExecution = z.strictObject({
  workflow_id: z.string().min(1).max(100),
  trigger_payload: z.record(z.string(), z.unknown()).default({}),
});
export type StartExecutionInput = z.infer<typeof ZStartExecution>;

/**
 * Creates the execution (status running, leased to this process) and runs it as far as it goes
 * right away. Should this process die mid-run, the lease lapses and a worker continues it.
 */
export async function startExecution(db: Db, actor: Actor, input: StartExecutionInput, opts: Partial<RunOptions> = {}) {
  const wf = await findWorkflowRow(db, input.workflow_id);
  if (!wf.enabled) throw new AppError('conflict', `workflow ${wf.key} is disabled`);
  const def = compileDefinition(ZDefinition.parse(wf.definition));
  const now = opts.now?.() ?? new Date();
  const row = await db.transaction(async (tx) => {
    const [created] = await tx
      .insert(workflowExecutions)
      .values({
        workflowId: wf.id,
        status: 'running',
        triggerPayload: input.trigger_payload,
        context: input.trigger_payload,
        currentStepId: def.first.id,
        wakeAt: leaseUntil(now),
        startedAt: now,
        startedBy: actor.id,
        updatedAt: now,
      })
      .returning();
    await recordEvent(tx, created!.id, 'started', actor.id, null, { workflow_key: wf.key }, now);
    return created!;
  });
  const final = await runExecution(db, row.id, { actor: actor.id, ...opts });
  return toExecutionDto(final, { workflowName: wf.name, workflowKey: wf.key });
}
