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

test('an approval pause: an operator sees it read-only (no Approve, Reject or Resume); an admin decides it with the decision dialog', async ({ page }) => {
  const admin = await makeUser('admin');
  const operator = await makeUser('operator');
  const wf = await makeOrderWorkflow();
  const exec = await startAs(operator, wf.key, { order_id: 'ORD-3001', amount: 18_000 });

  // The operator (execution:cancel, no approval:decide): nothing that decides, a quiet marker instead.
  await signIn(page, operator, `/executions/${exec.id}`);
  const actions = page.getByTestId('execution-actions');
  await expect(page.getByTestId('pause-card')).toBeVisible();
  await expect(actions.getByTestId('read-only')).toHaveText('Read-only · an approver decides this');
  await expect(actions.getByRole('button', { name: 'Approve' })).toHaveCount(0);
  await expect(actions.getByRole('button', { name: 'Reject' })).toHaveCount(0);
  await expect(actions.getByRole('button', { name: /Resume/ })).toHaveCount(0);
  // Where each decision leads, not just the approve branch.
  await expect(page.getByTestId('pause-outcomes')).toContainText('On approve → fulfil');
  await expect(page.getByTestId('pause-outcomes')).toContainText('On reject → ends as rejected');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/signin/);

  // An approver (approval:decide, no execution:cancel): Approve/Reject, nothing else.
  const approver = await makeUser('approver');
  await signIn(page, approver, `/executions/${exec.id}`);
  await expect(actions.getByRole('button')).toHaveText(['Approve', 'Reject']);
  await expect(actions.getByTestId('read-only')).toHaveCount(0);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/signin/);

  // The admin (approval:decide and execution:cancel): Approve/Reject through the inbox's decision
  // dialog, Cancel, and still no Resume.
  await signIn(page, admin, `/executions/${exec.id}`);
  await expect(actions.getByRole('button')).toHaveText(['Approve', 'Reject', 'Extend…', 'Cancel…']);
  await expect(actions.getByRole('button', { name: /Resume/ })).toHaveCount(0);
  await expect(actions.getByTestId('read-only')).toHaveCount(0);
  await actions.getByRole('button', { name: 'Approve' }).click();
  const dialog = page.getByTestId('decide-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('heading')).toContainText('ORD-3001');
  await dialog.getByLabel(/Comment/).fill('Checked the order');
  await dialog.getByTestId('confirm-decision').click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('pause-outcome')).toHaveText('Approved: it continues at fulfil as soon as the worker resumes it.');
  await expect(page.getByTestId('timeline')).toContainText('Checked the order');
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

test('screenshots: inbox, execution page and ops at 1280 px and 390 px, light and dark', async ({ page }) => {
  test.setTimeout(300_000);
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

  await signIn(page, approver, `/?workflow=${key}`);
  await expect(page.getByTestId('inbox-row')).toHaveCount(5);
  await expect(inboxRow(page, big.id).getByTestId('quorum')).toHaveText('1 of 2 approvals');

  // Inbox, execution page and ops, at 1280 px and 390 px, light and dark: e2e/artifacts/<page>-<width>-<scheme>.png
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width > 500 ? 900 : 844 });
      await page.goto(`/?workflow=${key}`);
      await expect(page.getByTestId('inbox-row')).toHaveCount(5);
      if (width > 500) {
        // An active row, as when working through the list (on a phone this would scroll the page).
        await page.keyboard.press('j');
        await page.keyboard.press('j');
      }
      await saveScreenshot(page, `inbox-${width}-${scheme}`);

      await page.goto(`/executions/${big.id}`);
      await expect(page.getByTestId('timeline')).toContainText('Budget confirmed with finance.');
      await expect(page.getByTestId('pause-outcomes')).toContainText('On reject → notify');
      await saveScreenshot(page, `execution-${width}-${scheme}`);

      await page.goto('/ops');
      await expect(page.getByTestId('stat-paused')).not.toBeEmpty();
      await expect(page.getByTestId('by-workflow')).toContainText('Purchase request');
      await saveScreenshot(page, `ops-${width}-${scheme}`);
    }
  }
});

test('the ops page leads somewhere: tiles, status counts and workflow rows open the filtered lists', async ({ page }) => {
  const operator = await makeUser('operator');
  const viewer = await makeUser('viewer');
  const wf = await makeOrderWorkflow(`Ops drill ${uniq('w').slice(-4)}`);
  const old = await startAs(operator, wf.key, { order_id: 'ORD-DRILL1', amount: 20_000 }, { pausedAt: new Date(Date.now() - 10 * 365 * 86_400_000) });
  const fresh = await startAs(operator, wf.key, { order_id: 'ORD-DRILL2', amount: 20_000 });
  await signIn(page, viewer, '/ops');

  // The oldest pause (ten years old: older than anything else here) opens that execution.
  await page.getByTestId('stat-oldest-link').click();
  await expect(page).toHaveURL(new RegExp(`/executions/${old.id}$`));
  await expect(page).toHaveTitle(/^ORD-DRILL1 · Ops drill/);

  await page.goto('/ops');
  await page.getByTestId('stat-paused-link').click();
  await expect(page).toHaveURL(/\/executions\?status=paused$/);
  await expect(page.getByLabel('Status')).toHaveValue('paused');
  await expect(page.getByTestId('executions-count')).toContainText(/of (more than )?[\d,]+ executions?/);

  await page.goto('/ops');
  await page.getByTestId('status-counts').locator('[data-status="completed"]').click();
  await expect(page).toHaveURL(/\/executions\?status=completed$/);

  // Over 24 h: the inbox lists only those.
  await page.goto('/ops');
  await page.getByTestId('stat-over-24h-link').click();
  await expect(page).toHaveURL(/\/\?over=24h$/);
  await page.goto(`/?over=24h&workflow=${wf.key}`);
  await expect(inboxRow(page, old.id)).toBeVisible();
  await expect(inboxRow(page, fresh.id)).toHaveCount(0);
  await expect(page.getByTestId('inbox-count')).toContainText('paused over 24 h');

  // Per workflow: paused count → the inbox for that workflow.
  await page.goto('/ops');
  const row = page.getByTestId('by-workflow').locator(`tr[data-workflow="${wf.key}"]`);
  await expect(row.getByTestId('wf-paused')).toHaveText('2');
  await row.getByTestId('wf-paused').click();
  await expect(page).toHaveURL(new RegExp(`/\\?workflow=${wf.key}$`));
  await expect(page.getByTestId('inbox-row')).toHaveCount(2);
});

test('executions: find one by its short id (server-side), with a total and "sleeping until"', async ({ page }) => {
  const operator = await makeUser('operator');
  const key = uniq('naps');
  await createWorkflow(db(), {
    key,
    name: 'Nap then go',
    definition: { steps: [{ id: 'nap', type: 'wait', duration: 'PT2H', next: 'go' }, { id: 'go', type: 'action', action: { type: 'allow' } }] },
  });
  const sleeping = await startAs(operator, key, { step: 1 });
  await startAs(operator, key, { step: 2 });
  await signIn(page, operator, `/executions?workflow=${key}`);
  await expect(page.getByTestId('executions-count')).toHaveText('Showing 1–2 of 2 executions');
  await expect(page.getByTestId('execution-row').first().getByTestId('sleeping-until')).toContainText(/sleeping until .*\(in 1 h 5\d min\)/);

  // The short id, from anywhere: the server searches by prefix, not just this page.
  await page.goto('/executions');
  await page.getByLabel('Execution id').fill(sleeping.id.slice(0, 8));
  await page.getByRole('button', { name: 'Find' }).click();
  await expect(page.getByTestId('execution-row')).toHaveCount(1);
  await expect(page.getByTestId('execution-row')).toContainText(sleeping.id.slice(0, 8));
  await expect(page.getByTestId('executions-count')).toContainText(`whose id starts with “${sleeping.id.slice(0, 8)}”`);
  await page.getByLabel('Execution id').fill('not-hex!');
  await page.getByRole('button', { name: 'Find' }).click();
  await expect(page.getByText('That is not part of an execution id')).toBeVisible();
});
