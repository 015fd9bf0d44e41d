/**
 * Where focus goes (dialogs, decisions, Back, sign-in errors), what people who cannot decide see,
 * the phone-width inbox, and a session that ends in the middle of a decision.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { closeDb, inboxRow, makeOrderWorkflow, makeUser, signIn, startAs } from './helpers';

test.afterAll(closeDb);

async function threeOrders(tag: string) {
  const operator = await makeUser('operator');
  const wf = await makeOrderWorkflow();
  const hour = 3_600_000;
  const rows = [];
  for (let i = 1; i <= 3; i++) rows.push(await startAs(operator, wf.key, { order_id: `ORD-${tag}${i}`, amount: 20_000 + i }, { pausedAt: new Date(Date.now() - (4 - i) * hour) }));
  return { wf, rows };
}

test('focus returns to the opener after Esc, Cancel or the backdrop, and moves to the next row after a decision', async ({ page }) => {
  const approver = await makeUser('approver');
  const { wf, rows } = await threeOrders('F');
  await signIn(page, approver, `/?workflow=${wf.key}`);
  const dialog = page.getByTestId('decide-dialog');
  const approve = inboxRow(page, rows[0]!.id).getByRole('button', { name: 'Approve' });
  const reject = inboxRow(page, rows[0]!.id).getByRole('button', { name: 'Reject' });

  await approve.click();
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(approve).toBeFocused();

  await reject.click();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(reject).toBeFocused();

  await approve.click();
  await expect(dialog).toBeVisible();
  await page.mouse.click(5, 5); // the backdrop, outside the dialog's box
  await expect(dialog).toBeHidden();
  await expect(approve).toBeFocused();

  // Keyboard: the second row, approve it; focus goes on to the third.
  await inboxRow(page, rows[1]!.id).focus();
  await page.keyboard.press('a');
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Control+Enter');
  await expect(dialog).toBeHidden();
  await expect(inboxRow(page, rows[1]!.id).getByTestId('decided-note')).toContainText('Approved');
  await expect(inboxRow(page, rows[2]!.id)).toBeFocused();
  // The confirmation toast covers no button (at this width too).
  const toast = page.getByTestId('toast').filter({ hasText: 'Approved' });
  await expect(toast).toBeVisible();
  const toastBox = (await toast.boundingBox())!;
  for (const b of await boxesOf(page.locator('main button'))) expect(overlaps(toastBox, b), `toast covers a button at ${JSON.stringify(b)}`).toBe(false);
});

test('Back from a detail page puts focus on the row that was opened', async ({ page }) => {
  const viewer = await makeUser('viewer');
  const { wf, rows } = await threeOrders('B');
  await signIn(page, viewer, `/?workflow=${wf.key}`);
  // Keys pressed once the rows are on screen, as a person would (earlier ones have no row to move to).
  await expect(inboxRow(page, rows[2]!.id)).toBeVisible();
  await page.keyboard.press('j');
  await expect(inboxRow(page, rows[0]!.id)).toBeFocused();
  await page.keyboard.press('j');
  await expect(inboxRow(page, rows[1]!.id)).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/executions/${rows[1]!.id}$`));
  await expect(page.getByTestId('pause-card')).toBeVisible();
  await page.goBack();
  await expect(inboxRow(page, rows[1]!.id)).toBeFocused();
});

test('a failed sign-in puts focus on the error message', async ({ page }) => {
  const user = await makeUser('viewer');
  await page.goto('/signin');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill('certainly-wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signin-error')).toBeFocused();
});

test('viewers and operators see no approve/reject keys, and a quiet read-only marker', async ({ page }) => {
  const { wf, rows } = await threeOrders('R');
  for (const role of ['viewer', 'operator'] as const) {
    const user = await makeUser(role);
    await signIn(page, user, `/?workflow=${wf.key}`);
    await expect(page.getByTestId('read-only')).toHaveText('Read-only: you cannot decide approvals');
    const header = page.getByRole('heading', { level: 1, name: 'Inbox' }).locator('..');
    await expect(header).toContainText('j/k move');
    await expect(header).not.toContainText('approve');
    await expect(header).not.toContainText('reject');
    await expect(inboxRow(page, rows[0]!.id).getByTestId('row-read-only')).toHaveText('Read-only');
    await expect(inboxRow(page, rows[0]!.id).getByRole('button')).toHaveCount(0);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/signin/);
  }
});

function overlaps(a: { x: number; y: number; width: number; height: number }, b: { x: number; y: number; width: number; height: number }) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

async function boxesOf(l: Locator) {
  const out = [];
  for (const el of await l.all()) if (await el.isVisible()) out.push((await el.boundingBox())!);
  return out;
}

test('phone width: filters fold away, the first row shows at once, targets are at least 24 px, toasts cover no buttons', async ({ page }) => {
  const approver = await makeUser('approver');
  const { wf, rows } = await threeOrders('P');
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, approver, `/?workflow=${wf.key}`);
  const first = inboxRow(page, rows[0]!.id);
  await expect(first).toBeVisible();
  // Filters are behind a button; the first row and its buttons are on screen without scrolling.
  await expect(page.getByRole('button', { name: /Filters/ })).toBeVisible();
  await expect(page.getByLabel('Reason contains')).toBeHidden();
  expect(await page.evaluate(() => window.scrollY)).toBe(0);
  await expect(first.getByRole('button', { name: 'Approve' })).toBeInViewport();

  const targets = page.locator('main').locator('button, input[type="checkbox"], [data-testid="inbox-row"] a');
  for (const box of await boxesOf(targets)) {
    expect(box.width, JSON.stringify(box)).toBeGreaterThanOrEqual(24);
    expect(box.height, JSON.stringify(box)).toBeGreaterThanOrEqual(24);
  }

  await page.getByRole('button', { name: /Filters/ }).click();
  await expect(page.getByLabel('Reason contains')).toBeVisible();
  await page.getByRole('button', { name: /Filters/ }).click();

  await first.getByRole('button', { name: 'Approve' }).click();
  await page.getByTestId('confirm-decision').click();
  const toast = page.getByTestId('toast').filter({ hasText: 'Approved' });
  await expect(toast).toBeVisible();
  const toastBox = (await toast.boundingBox())!;
  const buttons = await boxesOf(page.locator('main button'));
  expect(buttons.length).toBeGreaterThan(0);
  for (const b of buttons) expect(overlaps(toastBox, b), `toast ${JSON.stringify(toastBox)} covers a button at ${JSON.stringify(b)}`).toBe(false);
});

async function signInThroughForm(page: Page, user: { email: string; password: string }) {
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('a session that ends mid-decision: the comment is kept, "sign in again", and the same dialog comes back', async ({ page, context }) => {
  const approver = await makeUser('approver');
  const { wf, rows } = await threeOrders('S');
  await signIn(page, approver, `/?workflow=${wf.key}`);
  const row = inboxRow(page, rows[0]!.id);
  await row.getByRole('button', { name: 'Approve' }).click();
  const dialog = page.getByTestId('decide-dialog');
  await dialog.getByLabel(/Comment/).fill('Checked with the customer on the phone');

  await context.clearCookies(); // the session ends while the dialog is open
  await dialog.getByTestId('confirm-decision').click();
  await expect(dialog.getByTestId('session-expired')).toContainText('Your session expired — sign in again');
  await expect(dialog.getByLabel(/Comment/)).toHaveValue('Checked with the customer on the phone');
  await expect(page.getByTestId('toast')).toHaveCount(0); // said in the dialog, not as a raw error
  await dialog.getByTestId('sign-in-again').click();

  await expect(page).toHaveURL(/\/signin\?callbackUrl=/);
  await signInThroughForm(page, approver);
  await expect(page).toHaveURL(new RegExp(`\\?workflow=${wf.key}$`));
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('heading')).toContainText(`ORD-S1`);
  await expect(dialog.getByLabel(/Comment/)).toHaveValue('Checked with the customer on the phone');
  await dialog.getByTestId('confirm-decision').click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Approved' })).toBeVisible();
  await expect(row.getByTestId('decided-note')).toContainText('Approved');
});
