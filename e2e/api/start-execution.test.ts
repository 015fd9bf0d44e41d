/**
 * A start writes the new execution as its first steps left it, with its timeline, in one statement
 * (lib/core/executions/start-execution.ts) — built from a row made in memory. These check that the
 * row made in memory is the row the database would create, and that both ways a start writes (one
 * statement; insert first, when an approval request or a callback key needs the row in place) leave the
 * same execution behind.
 */
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { newExecutionRow } from '@/lib/core/executions/start-execution';
import { approvalRequests, executionEvents, workflowExecutions, workflows } from '@/lib/db/schema';
import { testDb } from '../helpers/env';
import { APPROVAL_FLOW, CALLBACK_FLOW, createWorkflowIn, detailIn, startIn } from '../helpers/workflows';

describe('start: the new execution', () => {
  it('made in memory is the row the database creates (every column, defaults included)', async () => {
    const db = testDb();
    const key = await createWorkflowIn(db, CALLBACK_FLOW.steps);
    const [wf] = await db.select().from(workflows).where(eq(workflows.key, key));
    const now = new Date(Date.now() - (Date.now() % 1000) + 123);
    const payload = { order: 7, nested: { a: [1, 2] } };
    const inMemory = newExecutionRow(wf!.id, payload, 'prepare', now, 'token:test-runner');
    // The same values, every other column left to the database's defaults.
    const [fromDb] = await db
      .insert(workflowExecutions)
      .values({ workflowId: wf!.id, status: 'running', triggerPayload: payload, context: payload, currentStepId: 'prepare', wakeAt: inMemory.wakeAt, startedAt: now, startedBy: 'token:test-runner', updatedAt: now })
      .returning();
    if (!fromDb) throw new Error('no row');
    expect(Object.keys(inMemory).sort()).toEqual(Object.keys(fromDb).sort());
    expect({ ...inMemory, id: fromDb.id }).toEqual(fromDb);
  });

  it('set → pause: one row at version 1 with its whole timeline, in order', async () => {
    const db = testDb();
    const key = await createWorkflowIn(db, CALLBACK_FLOW.steps);
    const started = await startIn(db, key, { order: 1 });
    expect(started).toMatchObject({ status: 'paused', current_step_id: 'wait-gateway', context: { order: 1, prepared: true } });
    const [row] = await db.select().from(workflowExecutions).where(eq(workflowExecutions.id, started.id));
    expect(row).toMatchObject({ status: 'paused', version: 1, stepsRun: 2, pauseKind: 'callback', wakeAt: null, triggerPayload: { order: 1 } });
    const events = await db.select().from(executionEvents).where(eq(executionEvents.executionId, started.id)).orderBy(executionEvents.id);
    expect(events.map((e) => [e.type, e.stepId])).toEqual([
      ['started', null],
      ['step_completed', 'prepare'],
      ['paused', 'wait-gateway'],
    ]);
    expect((await detailIn(db, started.id)).events.map((e) => e.type)).toEqual(['started', 'step_completed', 'paused']);
  });

  it('a start that opens an approval request writes the execution, the request and the timeline together', async () => {
    const db = testDb();
    const key = await createWorkflowIn(db, APPROVAL_FLOW.steps);
    const started = await startIn(db, key, { amount: 20000 });
    expect(started).toMatchObject({ status: 'paused', paused_step_id: 'require-approval' });
    const requests = await db.select().from(approvalRequests).where(eq(approvalRequests.executionId, started.id));
    expect(requests).toHaveLength(1);
    const [row] = await db.select().from(workflowExecutions).where(eq(workflowExecutions.id, started.id));
    expect(row!.version).toBe(1);
    const types = (await detailIn(db, started.id)).events.map((e) => e.type);
    expect(types[0]).toBe('started');
    expect(types.filter((t) => t === 'started')).toHaveLength(1);
  });

  // A start finds its workflow through the process's cache; the INSERT checks that it still exists
  // and is enabled, so a change made by hand behind the cache's back is seen by the next start.
  describe('a workflow changed after a start cached it', () => {
    /** Deletes the workflow `key` by hand, with the one execution `started` on it (which cached it); returns the deleted row. */
    async function deleteByHand(db: ReturnType<typeof testDb>, key: string, started: { id: string }) {
      const [wf] = await db.select().from(workflows).where(eq(workflows.key, key));
      await db.delete(executionEvents).where(eq(executionEvents.executionId, started.id));
      await db.delete(workflowExecutions).where(eq(workflowExecutions.id, started.id));
      await db.delete(workflows).where(eq(workflows.id, wf!.id));
      return wf!;
    }

    it('deleted and created again under its key: the next start runs the new one', async () => {
      const db = testDb();
      const key = await createWorkflowIn(db, CALLBACK_FLOW.steps);
      await deleteByHand(db, key, await startIn(db, key, { order: 1 }));
      await createWorkflowIn(db, CALLBACK_FLOW.steps, key);
      const [fresh] = await db.select().from(workflows).where(eq(workflows.key, key));
      const second = await startIn(db, key, { order: 2 });
      expect(second).toMatchObject({ status: 'paused', workflow_id: fresh!.id, workflow_key: key });
      const [row] = await db.select().from(workflowExecutions).where(eq(workflowExecutions.id, second.id));
      expect(row!.workflowId).toBe(fresh!.id);
    });

    it('deleted: 404, nothing written', async () => {
      const db = testDb();
      const key = await createWorkflowIn(db, CALLBACK_FLOW.steps);
      const wf = await deleteByHand(db, key, await startIn(db, key, { order: 1 }));
      await expect(startIn(db, key, { order: 2 })).rejects.toMatchObject({ code: 'not_found' });
      await expect(startIn(db, wf.id, { order: 2 })).rejects.toMatchObject({ code: 'not_found' });
    });

    it('disabled by hand: 409 at once, by key and by id (a start that opens an approval too); enabled again: starts', async () => {
      const db = testDb();
      const key = await createWorkflowIn(db, APPROVAL_FLOW.steps);
      await startIn(db, key, { amount: 1 });
      const [wf] = await db.select().from(workflows).where(eq(workflows.key, key));
      await startIn(db, wf!.id, { amount: 1 });
      const before = (await db.select().from(workflowExecutions).where(eq(workflowExecutions.workflowId, wf!.id))).length;
      await db.update(workflows).set({ enabled: false }).where(eq(workflows.id, wf!.id));
      await expect(startIn(db, key, { amount: 1 })).rejects.toMatchObject({ code: 'conflict', message: `workflow ${key} is disabled` });
      await expect(startIn(db, wf!.id, { amount: 20000 })).rejects.toMatchObject({ code: 'conflict', message: `workflow ${key} is disabled` });
      expect(await db.select().from(workflowExecutions).where(eq(workflowExecutions.workflowId, wf!.id))).toHaveLength(before);
      await db.update(workflows).set({ enabled: true }).where(eq(workflows.id, wf!.id));
      expect(await startIn(db, key, { amount: 1 })).toMatchObject({ workflow_id: wf!.id });
    });
  });
});
