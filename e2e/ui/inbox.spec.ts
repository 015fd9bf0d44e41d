import { expect, test, type Page } from '@playwright/test';
import { decideApproval } from '@/lib/core/approvals/decide-approval';
import { actorOf, closeDb, db, inboxRow, makeOrderWorkflow, makePauseWorkflow, makeUser, signIn, startAs, startWorker, type TestUser } from './helpers';

test.afterAll(closeDb);

async function confirmDecision(page: Page, comment?: string) {
  const dialog = page.getByTestId('decide-dialog');
  await expect(dialog).toBeVisible();
  if (comment) await dialog.getByLabel(/Comment/).fill(comment);
  await dialog.getByTestId('confirm-decision').click();
  await expect(dialog).toBeHidden();
}

test('an approver approves a paused high-value order; it leaves the inbox and completes', async ({ page }) => {
  const operator = await makeUser('operator');
  const approver = await makeUser('approver');
  const wf = await makeOrderWorkflow();
  const exec = await startAs(operator, wf.key, { order_id: 'ORD-2001', customer: 'Acme GmbH', amount: 25_000, currency: 'EUR' });
  expect(exec.status).toBe('paused');

  const worker = await startWorker();
  try {
    await signIn(page, approver, `/?workflow=${wf.key}`);
    const row = inboxRow(page, exec.id);
    await expect(row).toBeVisible();
    await expect(row.getByTestId('reason')).toHaveText('Requires manager approval');
    await expect(row.getByTestId('quorum')).toHaveText('0 of 1 approval');
    await expect(row).toContainText('ORD-2001');
    await expect(row).toContainText('25,000');

    await row.getByRole('button', { name: 'Approve' }).click();
    await confirmDecision(page, 'Customer verified by phone');
    await expect(page.getByTestId('toast').filter({ hasText: 'Approved' })).toBeVisible();
    // The row updates at once, then leaves when the worker has resumed the execution.
    await expect(row).toHaveCount(0, { timeout: 15_000 });

    await page.goto(`/executions/${exec.id}`);
    await expect(page.getByRole('heading', { level: 1, name: wf.name })).toBeVisible();
    await expect(page.getByTestId('execution-status')).toHaveText('completed', { timeout: 15_000 });
    const timeline = page.getByTestId('timeline');
    await expect(timeline).toContainText('Approved (1 of 1)');
    await expect(timeline).toContainText('Customer verified by phone');
    await expect(timeline).toContainText('Resumed');
    await expect(timeline).toContainText('Completed');
    await expect(page.getByTestId('step-path')).toContainText('fulfil');
    await expect(page.getByTestId('resume-history')).toContainText('system:worker');
  } finally {
    await worker.stop();
  }
});

test('a rejection with a comment shows on the timeline', async ({ page }) => {
  const operator = await makeUser('operator');
  const approver = await makeUser('approver');
  const wf = await makeOrderWorkflow();
  const exec = await startAs(operator, wf.key, { order_id: 'ORD-2002', amount: 90_000 });

  await signIn(page, approver, `/executions/${exec.id}`);
  await page.getByRole('button', { name: 'Reject' }).click();
  await confirmDecision(page, 'Credit limit exceeded — call the customer first');
  const timeline = page.getByTestId('timeline');
  await expect(timeline.locator('li', { hasText: 'Rejected' }).first()).toContainText('Credit limit exceeded — call the customer first');
  await expect(timeline).toContainText(`by ${approver.email}`);
  // Still paused until the worker acts, but no longer decidable.
  await expect(page.getByRole('button', { name: 'Reject' })).toHaveCount(0);
});

test('a viewer sees the inbox and the detail, but no action buttons', async ({ page }) => {
  const operator = await makeUser('operator');
  const viewer = await makeUser('viewer');
  const wf = await makeOrderWorkflow();
  const exec = await startAs(operator, wf.key, { order_id: 'ORD-2003', amount: 40_000 });

  await signIn(page, viewer, `/?workflow=${wf.key}`);
  const row = inboxRow(page, exec.id);
  await expect(row).toBeVisible();
  await expect(row.getByRole('button')).toHaveCount(0);
  await expect(row.getByRole('checkbox')).toHaveCount(0);
  await expect(page.getByText('Select all you can decide')).toHaveCount(0);
  await page.keyboard.press('j');
  await page.keyboard.press('a');
  await expect(page.getByTestId('decide-dialog')).toBeHidden();

  await row.getByRole('link', { name: wf.name }).click();
  await expect(page).toHaveURL(new RegExp(`/executions/${exec.id}$`));
  await expect(page.getByTestId('timeline')).toBeVisible();
  await expect(page.getByTestId('execution-actions').getByRole('button')).toHaveCount(0);
});

test('self-approval is offered disabled, with the reason', async ({ page }) => {
  const approver = await makeUser('approver');
  const wf = await makeOrderWorkflow();
  // The approver starts the order themself, so they may not decide it.
  const exec = await startAs(approver, wf.key, { order_id: 'ORD-2004', amount: 70_000 });

  await signIn(page, approver, `/?workflow=${wf.key}`);
  const row = inboxRow(page, exec.id);
  await expect(row.getByRole('button', { name: 'Approve' })).toBeDisabled();
  await expect(row.getByRole('button', { name: 'Reject' })).toBeDisabled();
  await expect(row.getByTestId('disabled-reason')).toHaveText('You started this execution, so someone else must decide (no self-approval).');
  await expect(row.getByRole('button', { name: 'Approve' })).toHaveAccessibleDescription(/no self-approval/);
  // The keyboard shortcut explains instead of opening the dialog.
  await row.focus();
  await page.keyboard.press('a');
  await expect(page.getByTestId('decide-dialog')).toBeHidden();
  await expect(page.getByTestId('toast').filter({ hasText: 'no self-approval' })).toBeVisible();
});

test('two approvers race on one approval: one wins, the other sees who decided', async ({ browser }) => {
  const operator = await makeUser('operator');
  const alice = await makeUser('approver');
  const bob = await makeUser('approver');
  const wf = await makeOrderWorkflow();
  const exec = await startAs(operator, wf.key, { order_id: 'ORD-2005', amount: 33_000 });

  const ctxA = await browser.newContext();
  const ctxB = await browser.newContext();
  try {
    const [a, b] = [await ctxA.newPage(), await ctxB.newPage()];
    const open = async (page: Page, user: TestUser) => {
      await signIn(page, user, `/?workflow=${wf.key}`);
      await inboxRow(page, exec.id).getByRole('button', { name: 'Approve' }).click();
      await expect(page.getByTestId('decide-dialog')).toBeVisible();
    };
    await open(a, alice);
    await open(b, bob);
    await Promise.all([a.getByTestId('confirm-decision').click(), b.getByTestId('confirm-decision').click()]);

    const conflict = (p: Page) => p.getByTestId('toast').filter({ hasText: /Already decided by/ });
    const success = (p: Page) => p.getByTestId('toast').filter({ hasText: /^Approved/ });
    await expect.poll(async () => (await conflict(a).count()) + (await conflict(b).count()), { timeout: 10_000 }).toBe(1);
    const [loser, winnerEmail] = (await conflict(a).count()) ? [a, bob.email] : [b, alice.email];
    const winner = loser === a ? b : a;
    await expect(success(winner)).toBeVisible();
    await expect(conflict(loser)).toContainText(`Already decided by ${winnerEmail} (approved)`);
    // The loser's optimistic change is rolled back to the truth: decided by someone else.
    await expect(inboxRow(loser, exec.id).getByRole('button', { name: 'Approve' })).toHaveCount(0);
    await expect(inboxRow(loser, exec.id).getByTestId('decided-note')).toContainText('Approved');
  } finally {
    await ctxA.close();
    await ctxB.close();
  }
});

test('a reason and a comment containing <script> render literally', async ({ page }) => {
  const operator = await makeUser('operator');
  const approver = await makeUser('approver');
  const nasty = `Check <script>window.__pwned = true</script><img src=x onerror="window.__pwned = true"> & <b>bold</b>`;
  const wf = await makePauseWorkflow({ reason: nasty });
  const exec = await startAs(operator, wf.key, { note: '<script>alert(1)</script>' });

  await signIn(page, approver, `/?workflow=${wf.key}`);
  const row = inboxRow(page, exec.id);
  await expect(row.getByTestId('reason')).toHaveText(nasty);
  await expect(row.locator('script, img, b')).toHaveCount(0);

  await row.getByRole('button', { name: 'Reject' }).click();
  await confirmDecision(page, '<script>window.__pwned = true</script> nope');
  await page.goto(`/executions/${exec.id}`);
  await expect(page.getByTestId('pause-reason')).toHaveText(nasty);
  await expect(page.getByTestId('timeline')).toContainText('<script>window.__pwned = true</script> nope');
  await expect(page.locator('main script, main img')).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: boolean }).__pwned)).toBeUndefined();
});

test('the keyboard flow: j/k move, a approves with a comment, Enter opens the detail', async ({ page }) => {
  const operator = await makeUser('operator');
  const approver = await makeUser('approver');
  const wf = await makeOrderWorkflow();
  const hour = 3_600_000;
  // Oldest first: first paused 3 h ago, then 2 h, then 1 h.
  const first = await startAs(operator, wf.key, { order_id: 'ORD-K1', amount: 11_000 }, { pausedAt: new Date(Date.now() - 3 * hour) });
  const second = await startAs(operator, wf.key, { order_id: 'ORD-K2', amount: 12_000 }, { pausedAt: new Date(Date.now() - 2 * hour) });
  const third = await startAs(operator, wf.key, { order_id: 'ORD-K3', amount: 13_000 }, { pausedAt: new Date(Date.now() - hour) });

  await signIn(page, approver, `/?workflow=${wf.key}`);
  const rows = page.getByTestId('inbox-row');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toHaveAttribute('data-execution-id', first.id);
  await expect(rows.nth(0).getByTestId('age')).toHaveText(/^3 h( \d+ min)?$/);

  await page.keyboard.press('j'); // lands on the first row
  await expect(inboxRow(page, first.id)).toBeFocused();
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await expect(inboxRow(page, third.id)).toBeFocused();
  await page.keyboard.press('k');
  await expect(inboxRow(page, second.id)).toBeFocused();

  await page.keyboard.press('a');
  const dialog = page.getByTestId('decide-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('heading')).toContainText('ORD-K2');
  await expect(dialog.getByLabel(/Comment/)).toBeFocused();
  await page.keyboard.type('Looks fine');
  await page.keyboard.press('Control+Enter');
  await expect(dialog).toBeHidden();
  await expect(inboxRow(page, second.id).getByTestId('decided-note')).toContainText('Approved');

  // Escape closes the dialog without deciding.
  await inboxRow(page, third.id).focus();
  await page.keyboard.press('r');
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(inboxRow(page, third.id).getByRole('button', { name: 'Reject' })).toBeEnabled();

  await inboxRow(page, first.id).focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/executions/${first.id}$`));
  await expect(page.getByTestId('pause-card')).toBeVisible();
});

test('bulk: approve several at once, with a result for each', async ({ page }) => {
  const operator = await makeUser('operator');
  const approver = await makeUser('approver');
  const other = await makeUser('approver');
  const wf = await makeOrderWorkflow();
  const a = await startAs(operator, wf.key, { order_id: 'ORD-B1', amount: 20_000 });
  const b = await startAs(operator, wf.key, { order_id: 'ORD-B2', amount: 21_000 });
  const c = await startAs(operator, wf.key, { order_id: 'ORD-B3', amount: 22_000 });

  await signIn(page, approver, `/?workflow=${wf.key}`);
  await page.getByLabel('Select all you can decide on this page').check();
  await expect(page.getByText('3 selected')).toBeVisible();

  await page.getByRole('button', { name: 'Approve selected' }).click();
  await expect(page.getByTestId('decide-dialog')).toContainText('Approve 3 approvals?');
  // While the dialog is open, someone else decides one of them.
  const detail = await page.request.get(`/api/v1/executions/${b.id}`);
  const approvalId = (await detail.json()).approvals[0].id as string;
  await decideApproval(db(), actorOf(other), approvalId, 'approve', {});
  await confirmDecision(page, 'Batch OK');
  const results = page.getByTestId('bulk-results');
  await expect(page.getByTestId('bulk-summary')).toHaveText('2 approved, 1 failed');
  await expect(results.locator('li[data-state="ok"]')).toHaveCount(2);
  await expect(results.locator('li[data-state="error"]')).toContainText(`ORD-B2 — Already decided by ${other.email} (approved)`);
  for (const e of [a, b, c]) await expect(inboxRow(page, e.id).getByTestId('decided-note')).toContainText('Approved');
});

test('filters by workflow and by reason text', async ({ page }) => {
  const operator = await makeUser('operator');
  const viewer = await makeUser('viewer');
  const token = Math.random().toString(36).slice(2, 8);
  const wfA = await makePauseWorkflow({ reason: `Invoice ${token} needs a second look`, kind: 'callback', name: `Invoices ${token}` });
  const wfB = await makePauseWorkflow({ reason: `Refund ${token} awaiting bank`, kind: 'callback', name: `Refunds ${token}` });
  const ea = await startAs(operator, wfA.key, { invoice: 'INV-1' });
  const eb = await startAs(operator, wfB.key, { refund: 'RF-1' });

  await signIn(page, viewer, '/');
  await page.getByLabel('Reason contains').fill(token);
  await expect(page).toHaveURL(new RegExp(`reason=${token}`));
  await expect(inboxRow(page, ea.id)).toBeVisible();
  await expect(inboxRow(page, eb.id)).toBeVisible();
  await expect(page.getByTestId('inbox-count')).toContainText('of 2 paused executions matching the filters');

  await page.getByLabel('Workflow').selectOption({ label: `Refunds ${token}` });
  await expect(inboxRow(page, ea.id)).toHaveCount(0);
  await expect(inboxRow(page, eb.id)).toBeVisible();
  await expect(inboxRow(page, eb.id)).toContainText('Waiting for a callback');

  await page.getByLabel('Reason contains').fill(`${token} nothing like this`);
  await expect(page.getByText('No paused executions match these filters')).toBeVisible();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(page).toHaveURL(/\/$/);
});
