import { describe, expect, it } from 'vitest';
import { userActor } from '@/lib/core/access/permissions';
import { startExecution } from '@/lib/core/executions/start-execution';
import { getExecution } from '@/lib/core/executions/get-execution';
import { pauseExecution } from '@/lib/core/resumer/pause-execution';
import { resumeExecution } from '@/lib/core/resumer/resume-execution';
import { createWorkflow } from '@/lib/core/workflows/workflows';
import { testDb, uid } from '../helpers/env';

const operator = userActor({ email: 'boundary-ops@example.com', name: 'Ops', role: 'operator' });

const FIVE_STEPS = {
  steps: [1, 2, 3, 4, 5].map((n) => ({
    id: `s${n}`,
    type: 'action',
    action: { type: 'set', values: { [`s${n}`]: true } },
    ...(n < 5 ? { next: `s${n + 1}` } : {}),
  })),
};

describe('a pause lands at the step boundary', () => {
  it('lets the step in flight finish, does not start the next, and resumes exactly there', async () => {
    const db = testDb();
    const wf = await createWorkflow(db, { key: uid('boundary'), name: 'Boundary', definition: FIVE_STEPS as never });
    let pausedFrom: string | null = null;
    // Another caller pauses the execution while the request that started it is between s2 and s3.
    const started = await startExecution(
      db,
      operator,
      { workflow_id: wf.key, trigger_payload: {} },
      {
        commitEachStep: async (stepId) => {
          if (stepId === 's2') {
            const exec = await db.query.workflowExecutions.findFirst({ where: (t, { eq }) => eq(t.workflowId, wf.id) });
            pausedFrom = stepId;
            await pauseExecution(db, operator, exec!.id, { reason: 'hold between steps' });
          }
        },
      },
    );
    expect(pausedFrom).toBe('s2');
    expect(started).toMatchObject({ status: 'paused', paused_step_id: 's3', next_step_id: 's3', context: { s1: true, s2: true } });
    expect(started.context).not.toHaveProperty('s3');

    const resumed = await resumeExecution(db, operator, started.id, { resume_data: { note: 'go on' } });
    expect(resumed).toMatchObject({ status: 'completed', resume_count: 1, context: { s1: true, s2: true, s3: true, s4: true, s5: true, note: 'go on' } });
    const detail = await getExecution(db, started.id);
    const completedSteps = detail.events.filter((e) => e.type === 'step_completed').map((e) => e.step_id);
    expect(completedSteps).toEqual(['s1', 's2', 's3', 's4', 's5']);
  });
});
