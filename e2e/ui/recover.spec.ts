import { expect, test } from '@playwright/test';
import { resumeExecution } from '@/lib/core/resumer/resume-execution';
import { createWorkflow } from '@/lib/core/workflows/workflows';
import { actorOf, closeDb, db, makeUser, signIn, startAs, uniq } from './helpers';

test.afterAll(closeDb);

/** Issue 13, recover in the console: Extend… moves the deadline; Reopen… pauses an ended execution again. */
test('an operator extends a pause: the deadline on the page moves by what was chosen', async ({ page }) => {
  const operator = await makeUser('operator');
  const key = uniq('extend');
  await createWorkflow(db(), {
    key,
    name: 'Gateway callback',
    definition: {
      steps: [
        { id: 'wait-gateway', type: 'pause', reason: 'Awaiting the gateway', timeout: 'PT1H', next: 'done' },
        { id: 'done', type: 'action', action: { type: 'set', values: { done: true } } },
      ],
    },
  });
  const exec = await startAs(operator, key, { order: 'A-1' });
  expect(exec.status).toBe('paused');
  await signIn(page, operator, `/executions/${exec.id}`);
  const deadline = page.getByTestId('pause-deadline').locator('time');
  await expect(deadline).toHaveAttribute('datetime', exec.pause_expires_at!);

  await page.getByRole('button', { name: 'Extend…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Extend the deadline' });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('Extend by').selectOption({ label: '24 hours' });
  await dialog.getByTestId('confirm-extend').click();
  await expect(dialog).toHaveCount(0);
  const moved = new Date(new Date(exec.pause_expires_at!).getTime() + 24 * 3_600_000).toISOString();
  await expect(deadline).toHaveAttribute('datetime', moved);
  await expect(page.getByTestId('timeline')).toContainText('Deadline extended');
  await expect(page.getByTestId('execution-status')).toHaveText('paused');
});

test('an approver reopens a rejected approval: the execution is paused again at the same step', async ({ page }) => {
  const [starter, decider, approver] = await Promise.all([makeUser('admin'), makeUser('admin'), makeUser('approver')]);
  const key = uniq('reopen');
  await createWorkflow(db(), {
    key,
    name: 'Refund sign-off',
    definition: {
      steps: [
        { id: 'sign-off', type: 'approval', reason: 'Refund over the limit', on_approve: 'pay' },
        { id: 'pay', type: 'action', action: { type: 'set', values: { paid: true } } },
      ],
    },
  });
  const exec = await startAs(starter, key, { refund: 1200 });
  // Rejected by a resume-as-vote: the execution ends as rejected at once.
  const ended = await resumeExecution(db(), actorOf(decider), exec.id, { resume_data: { approved: false, comment: 'missing receipt' } });
  expect(ended.status).toBe('rejected');

  await signIn(page, approver, `/executions/${exec.id}`);
  const status = page.getByTestId('execution-status');
  await expect(status).toHaveText('rejected');
  await page.getByRole('button', { name: 'Reopen…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Reopen this approval?' });
  await dialog.getByLabel(/Reason/).fill('Receipt found');
  await dialog.getByTestId('confirm-reopen').click();
  await expect(status).toHaveText('paused');
  await expect(page.getByTestId('pause-card')).toContainText('sign-off');
  await expect(page.getByTestId('timeline')).toContainText('Approval reopened');
  await expect(page.getByTestId('timeline')).toContainText('Receipt found');
  await expect(page.getByRole('button', { name: 'Approve' })).toBeEnabled();
  await expect(page.getByRole('button', { name: 'Reopen…' })).toHaveCount(0);
});
