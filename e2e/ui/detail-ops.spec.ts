import { expect, test } from '@playwright/test';
import { decideApproval } from '@/lib/core/approvals/decide-approval';
import { getExecution } from '@/lib/core/executions/get-execution';
import { createWorkflow } from '@/lib/core/workflows/workflows';
import { workerHeartbeats } from '@/lib/db/schema';
import { actorOf, closeDb, db, inboxRow, makeOrderWorkflow, makeUser, saveScreenshot, signIn, startAs, startWorker, uniq } from './helpers';

test.afterAll(closeDb);

test('an operator pauses a running execution, resumes it with validated resume_data, then cancels it', async ({ page }) => {
  const operator = await makeUser('operator');
  const key = uniq('sleepy');
  await createWorkflow(db(), {
    key,
    name: 'Nightly settlement',
    definition: {
      steps: [
        { id: 'prepare', type: 'action', action: { type: 'set', values: { prepared: true } }, next: 'cool-down' },
        { id: 'cool-down', type: 'wait', duration: 'PT1H', next: 'settle' },
        { id: 'settle', type: 'action', action: { type: 'set', values: { settled: true } } },
      ],
    },
  });
  const exec = await startAs(operator, key, { batch: 'B-17' });
  expect(exec.status).toBe('running');

  await signIn(page, operator, `/executions/${exec.id}`);
  const status = page.getByTestId('execution-status');
  await expect(status).toHaveText('running');
  await expect(page.getByRole('button', { name: 'Approve' })).toHaveCount(0);

  await page.getByRole('button', { name: 'Pause…' }).click();
  await page.getByLabel(/Reason/).fill('Bank holiday — hold the batch');
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(status).toHaveText('paused');
  await expect(page.getByTestId('pause-reason')).toHaveText('Bank holiday — hold the batch');
  await expect(page.getByTestId('timeline')).toContainText('Paused (manual)');

  await page.getByRole('button', { name: 'Resume…' }).click();
  const editor = page.getByLabel('resume_data (JSON)');
  const resume = page.getByTestId('confirm-resume');
  await editor.fill('{"approved": tru');
  await expect(page.getByText(/Not valid JSON/)).toBeVisible();
  await expect(resume).toBeDisabled();
  await expect(editor).toHaveAttribute('aria-invalid', 'true');
  await editor.fill('[1, 2]');
  await expect(page.getByText('resume_data must be a JSON object, like {"key": "value"}.')).toBeVisible();
  await expect(resume).toBeDisabled();
  await editor.fill('{"checked_by": "ops", "note": "<b>not html</b>"}');
  await expect(page.getByText('✓ Valid JSON object')).toBeVisible();
  await resume.click();
  await expect(status).toHaveText('running');
  const history = page.getByTestId('resume-history');
  await expect(history).toContainText(operator.email);
  await expect(history).toContainText('"<b>not html</b>"');

  await page.getByRole('button', { name: 'Cancel…' }).click();
  await page.getByLabel(/Reason/).fill('Batch superseded');
  await page.getByRole('button', { name: 'Cancel execution' }).click();
  await expect(status).toHaveText('cancelled');
  await expect(page.getByTestId('execution-actions').getByRole('button')).toHaveCount(0);
  await expect(page.getByTestId('timeline')).toContainText('Batch superseded');
});

test('resuming an approval pause by hand needs "approved" to be a boolean', async ({ page }) => {
  const admin = await makeUser('admin');
  const operator = await makeUser('operator');
  const wf = await makeOrderWorkflow();
  const exec = await startAs(operator, wf.key, { order_id: 'ORD-3001', amount: 18_000 });
  await signIn(page, admin, `/executions/${exec.id}`);
  await page.getByRole('button', { name: 'Resume…' }).click();
  const editor = page.getByLabel('resume_data (JSON)');
  await editor.fill('{"approved": "yes"}');
  await expect(page.getByText('For an approval pause, "approved" must be true or false.')).toBeVisible();
  await expect(page.getByTestId('confirm-resume')).toBeDisabled();
  await editor.fill('{"approved": true}');
  await page.getByTestId('confirm-resume').click();
  await expect(page.getByTestId('execution-status')).toHaveText('completed');
  await expect(page.getByTestId('timeline')).toContainText('Approved by a manual resume');
});

test('the executions list filters by status, workflow and id; the workflows page shows the definition', async ({ page }) => {
  const operator = await makeUser('operator');
  const wf = await makeOrderWorkflow('Order desk');
  const paused = await startAs(operator, wf.key, { order_id: 'ORD-4001', amount: 99_000 });
  const done = await startAs(operator, wf.key, { order_id: 'ORD-4002', amount: 10 });
  expect(done.status).toBe('completed');

  await signIn(page, operator, `/executions?workflow=${wf.key}`);
  const rows = page.getByTestId('execution-row');
  await expect(rows).toHaveCount(2);
  await page.getByLabel('Status').selectOption('completed');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(done.id.slice(0, 8));
  await page.getByLabel('Execution id').fill(paused.id);
  await page.getByRole('button', { name: 'Find' }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(paused.id.slice(0, 8));
  await page.getByLabel('Execution id').fill('00000000-0000-4000-8000-000000000000');
  await page.getByRole('button', { name: 'Find' }).click();
  await expect(page.getByText('No execution with this id')).toBeVisible();

  await page.goto(`/workflows/${wf.key}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Order desk' })).toBeVisible();
  await expect(page.getByRole('list').filter({ hasText: 'check-amount' }).first()).toContainText('require-approval');
  await expect(page.getByText('if amount > 10000 → require-approval, else → auto-approve')).toBeVisible();
});

test('GET /api/v1/ops/summary counts what happens (paused ages, over 24 h, decisions this hour)', async ({ page }) => {
  const operator = await makeUser('operator');
  const approver = await makeUser('approver');
  await signIn(page, approver, '/ops');
  const read = async () => {
    const res = await page.request.get('/api/v1/ops/summary');
    expect(res.status()).toBe(200);
    return res.json();
  };
  const bucket = (s: { paused: { age_histogram: { label: string; count: number }[] } }, label: string) =>
    s.paused.age_histogram.find((b) => b.label === label)!.count;
  const before = await read();

  const wf = await makeOrderWorkflow();
  const old = await startAs(operator, wf.key, { order_id: 'ORD-OPS1', amount: 20_000 }, { pausedAt: new Date(Date.now() - 30 * 3_600_000) });
  await startAs(operator, wf.key, { order_id: 'ORD-OPS2', amount: 20_000 }, { pausedAt: new Date(Date.now() - 2 * 3_600_000) });
  const small = await startAs(operator, wf.key, { order_id: 'ORD-OPS3', amount: 5 });
  expect(small.status).toBe('completed');
  const approvalId = (await getExecution(db(), old.id)).approvals[0]!.id;
  await page.request.post(`/api/v1/approvals/${approvalId}/reject`, { data: { comment: 'ops test' } });

  const after = await read();
  expect(after.executions.total - before.executions.total).toBe(3);
  expect(after.executions.by_status.completed - before.executions.by_status.completed).toBe(1);
  expect(after.paused.count - before.paused.count).toBe(2); // decided but not yet resumed: still paused
  expect(after.paused.over_24h - before.paused.over_24h).toBe(1);
  expect(bucket(after, '1–3 d') - bucket(before, '1–3 d')).toBe(1);
  expect(bucket(after, '1–4 h') - bucket(before, '1–4 h')).toBe(1);
  expect(after.paused.oldest_age_seconds).toBeGreaterThanOrEqual(30 * 3600);
  expect(after.approvals.decisions_last_24h.reject - before.approvals.decisions_last_24h.reject).toBe(1);
  expect(after.approvals.decisions_last_24h.per_hour).toHaveLength(24);
  expect(after.approvals.decisions_last_24h.per_hour.at(-1).hours_ago).toBe(0);
  expect(after.approvals.pending - before.approvals.pending).toBe(1);
  expect((await page.request.get('/api/v1/ops/summary?bogus=1')).status()).toBe(422);
});

test('the ops view shows counts, ages and decisions, and warns when the worker is late', async ({ page }) => {
  const viewer = await makeUser('viewer');
  // A worker whose last cycle was 20 s ago with a 5 s interval: two intervals are long past.
  const workerId = uniq('test-worker');
  await db()
    .insert(workerHeartbeats)
    .values({ workerId, hostname: 'ops-test', pid: 4242, startedAt: new Date(Date.now() - 3_600_000), lastCycleAt: new Date(Date.now() - 20_000), intervalMs: 5_000, resumed: 3, skipped: 1, errors: 0 });

  await signIn(page, viewer, '/ops');
  const summary = await (await page.request.get('/api/v1/ops/summary')).json();
  await expect(page.getByTestId('stat-paused')).toHaveText(summary.paused.count.toLocaleString('en-US'));
  await expect(page.getByTestId('status-counts').locator('[data-status="completed"]')).not.toBeEmpty();
  await expect(page.getByRole('heading', { name: 'Decisions per hour, last 24 h' })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Approval decisions per hour over the last 24 hours' })).toBeAttached();
  await expect(page.getByTitle(workerId)).toHaveText('ops-test:4242'); // listed (perhaps among the earlier processes)
  await expect(page.getByTestId('worker-warning')).toContainText('The worker is late', { timeout: 15_000 });

  const worker = await startWorker();
  try {
    await expect(page.getByTestId('worker-ok')).toBeVisible({ timeout: 15_000 });
    await expect(page.getByTestId('worker-warning')).toHaveCount(0);
  } finally {
    await worker.stop();
  }
});

test('screenshots: inbox, detail, ops view and the phone-width inbox', async ({ page }) => {
  test.setTimeout(120_000); // five pages, each rendered per request, and five full-page screenshots
  const operator = await makeUser('operator', 'Oscar Operator');
  const approver = await makeUser('approver', 'Alice Approver');
  const other = await makeUser('approver', 'Bob Approver');
  const key = uniq('purchases');
  await createWorkflow(db(), {
    key,
    name: 'Purchase request',
    description: 'Small purchases need one manager; large ones two approvers; supplier checks wait for a callback.',
    definition: {
      steps: [
        { id: 'route', type: 'condition', condition: { field: 'amount', operator: '>', value: 50000 }, on_true: 'board-approval', on_false: 'supplier-check' },
        { id: 'board-approval', type: 'approval', reason: 'Over 50,000: two approvers must sign off', required_approvals: 2, on_approve: 'order', on_reject: 'notify' },
        { id: 'supplier-check', type: 'condition', condition: { field: 'new_supplier', operator: '==', value: true }, on_true: 'kyc', on_false: 'manager' },
        { id: 'kyc', type: 'pause', reason: 'Waiting for the supplier KYC callback', next: 'manager' },
        { id: 'manager', type: 'action', action: { type: 'block', reason: 'Requires manager approval' }, next: 'order' },
        { id: 'order', type: 'action', action: { type: 'set', values: { ordered: true } } },
        { id: 'notify', type: 'action', action: { type: 'set', values: { requester_notified: true } } },
      ],
    },
  });
  const ago = (h: number) => new Date(Date.now() - h * 3_600_000 - 7 * 60_000);
  const big = await startAs(operator, key, { request_id: 'PR-1042', requester: 'dana@example.com', amount: 184_000, currency: 'EUR', items: 12 }, { pausedAt: ago(52) });
  await startAs(operator, key, { request_id: 'PR-1051', requester: 'li@example.com', amount: 2_400, currency: 'USD', new_supplier: true }, { pausedAt: ago(30) });
  await startAs(operator, key, { request_id: 'PR-1077', requester: 'sam@example.com', amount: 8_900, currency: 'GBP' }, { pausedAt: ago(5) });
  await startAs(approver, key, { request_id: 'PR-1080', requester: 'alice@example.com', amount: 1_250, currency: 'EUR' }, { pausedAt: ago(1) });
  await startAs(operator, key, { request_id: 'PR-1093', requester: 'kim@example.com', amount: 64_500, currency: 'EUR' });
  // One of two approvals in already, with a comment.
  const detail = await getExecution(db(), big.id);
  await decideApproval(db(), actorOf(other), detail.approvals[0]!.id, 'approve', { comment: 'Budget confirmed with finance.' });

  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page, approver, `/?workflow=${key}`);
  await expect(page.getByTestId('inbox-row')).toHaveCount(5);
  await expect(inboxRow(page, big.id).getByTestId('quorum')).toHaveText('1 of 2 approvals');
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await saveScreenshot(page, 'inbox');

  await page.goto(`/executions/${big.id}`);
  await expect(page.getByTestId('timeline')).toContainText('Budget confirmed with finance.');
  await saveScreenshot(page, 'detail');

  await page.goto('/ops');
  await expect(page.getByTestId('stat-paused')).not.toBeEmpty();
  await saveScreenshot(page, 'ops');

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/?workflow=${key}`);
  await expect(page.getByTestId('inbox-row')).toHaveCount(5);
  await saveScreenshot(page, 'inbox-phone');

  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`/?workflow=${key}`);
  await expect(page.getByTestId('inbox-row')).toHaveCount(5);
  await saveScreenshot(page, 'inbox-dark');
});
