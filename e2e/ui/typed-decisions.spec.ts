/**
 * Issue 13 in the browser: the decision dialog renders its form from the step's input_schema (enums
 * as selects, required fields, descriptions) and shows the validator's messages inline — the
 * browser's own and the server's 422; approve with edits puts the diff on the timeline and leaves
 * the earlier vote stale; a second approver whose dialog still shows the old payload version gets
 * the "payload changed" message.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { decideApproval } from '@/lib/core/approvals/decide-approval';
import { getExecution } from '@/lib/core/executions/get-execution';
import { createWorkflow } from '@/lib/core/workflows/workflows';
import { actorOf, closeDb, db, inboxRow, makeUser, signIn, startAs, uniq } from './helpers';

test.afterAll(closeDb);
test.describe.configure({ timeout: 180_000 });

const SCHEMA = {
  type: 'object',
  properties: {
    cost_center: { type: 'string', title: 'Cost center', enum: ['ops', 'sales', 'rnd'], description: 'Who pays for the refund' },
    approved_amount: { type: 'integer', title: 'Approved amount', minimum: 1, maximum: 100000 },
    reviewer_email: { type: 'string', title: 'Reviewer email', format: 'email' },
    urgent: { type: 'boolean', title: 'Urgent', default: false },
    amount: { type: 'integer', title: 'Amount', minimum: 1 },
    note: { type: 'string', title: 'Note', maxLength: 200 },
  },
  required: ['cost_center', 'approved_amount'],
};

async function typedWorkflow(requiredApprovals: number) {
  const key = uniq('typed');
  const name = `Typed refund ${key.slice(-4)}`;
  await createWorkflow(db(), {
    key,
    name,
    definition: {
      steps: [
        {
          id: 'sign-off',
          type: 'approval',
          reason: 'Check the refund',
          required_approvals: requiredApprovals,
          approver_role: 'approver',
          input_schema: SCHEMA,
          editable: ['amount', 'note'],
          on_approve: 'pay',
        },
        { id: 'pay', type: 'action', action: { type: 'set', values: { paid: true } } },
      ],
    },
  });
  return { key, name };
}

async function noSeriousAxe(page: Page) {
  const results = await new AxeBuilder({ page }).include('[data-testid="decide-dialog"]').analyze();
  const blocking = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(blocking).toEqual([]);
}

test('the form renders from the schema (enum select, required, description) and shows the validator’s messages, the browser’s and the server’s', async ({ page }) => {
  const operator = await makeUser('operator');
  const approver = await makeUser('approver');
  const wf = await typedWorkflow(1);
  const ex = await startAs(operator, wf.key, { order_id: 'ORD-TYPED1', amount: 1200, note: '' });
  await signIn(page, approver, `/?workflow=${wf.key}`);
  await inboxRow(page, ex.id).getByRole('button', { name: 'Approve' }).click();
  const dialog = page.getByTestId('decide-dialog');
  await expect(dialog).toBeVisible();
  const form = dialog.getByTestId('decision-form');
  // The fields in the order the workflow's author wrote them (not jsonb's: Urgent first).
  await expect(form.locator('label')).toHaveText([/^Cost center/, /^Approved amount/, /^Reviewer email/, /^Urgent/]);
  // An enum is a select with its values; required fields are marked; descriptions describe.
  const costCenter = form.getByLabel('Cost center');
  await expect(costCenter).toHaveJSProperty('tagName', 'SELECT');
  await expect(costCenter.locator('option')).toHaveText(['Choose…', 'ops', 'sales', 'rnd']);
  await expect(costCenter).toHaveAttribute('aria-required', 'true');
  await expect(costCenter).toHaveAccessibleDescription('Who pays for the refund');
  await expect(form.getByLabel('Approved amount')).toHaveAttribute('type', 'number');
  await expect(form.getByLabel('Urgent')).not.toBeChecked(); // the default
  // Editable payload fields are not part of the decision's data.
  await expect(form.getByLabel('Amount', { exact: true })).toHaveCount(0);
  await expect(dialog.getByTestId('payload-version')).toHaveText('Payload version 1');

  // The browser's check: required fields, minimum.
  await dialog.getByTestId('confirm-decision').click();
  await expect(costCenter).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByTestId('field-error').first()).toHaveText('Cost center is required');
  await expect(costCenter).toHaveAccessibleDescription(/Cost center is required/);
  await costCenter.selectOption('sales');
  await form.getByLabel('Approved amount').fill('0');
  await dialog.getByTestId('confirm-decision').click();
  await expect(form.getByLabel('Approved amount')).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByTestId('field-error')).toHaveText('Approved amount must be >= 1');
  await noSeriousAxe(page);

  // The server's check (a format the browser does not check): the dialog comes back with its message inline.
  await form.getByLabel('Approved amount').fill('900');
  await form.getByLabel('Reviewer email').fill('not-an-email');
  await dialog.getByTestId('confirm-decision').click();
  await expect(dialog.getByTestId('server-error')).toContainText('data.reviewer_email: must match format "email"');
  const email = dialog.getByTestId('decision-form').getByLabel('Reviewer email');
  await expect(email).toHaveAttribute('aria-invalid', 'true');
  await expect(email).toHaveValue('not-an-email'); // the values are kept
  await noSeriousAxe(page);

  await email.fill('rev@example.com');
  await dialog.getByTestId('confirm-decision').click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('toast').filter({ hasText: 'Approved' })).toBeVisible();
  const after = await getExecution(db(), ex.id);
  expect(after.approvals[0]!.decisions[0]!.data).toEqual({ cost_center: 'sales', approved_amount: 900, reviewer_email: 'rev@example.com', urgent: false });
  expect(after.resume_data).toMatchObject({ approved: true, cost_center: 'sales', approved_amount: 900 });
});

test('approve with edits shows the diff on the timeline; an earlier vote turns stale; a second approver’s stale vote gets “payload changed”', async ({ page, browser }) => {
  const operator = await makeUser('operator');
  const early = await makeUser('approver', 'Early Voter');
  const editor = await makeUser('approver', 'Eddie Editor');
  const late = await makeUser('approver', 'Late Voter');
  const wf = await typedWorkflow(3);
  const ex = await startAs(operator, wf.key, { order_id: 'ORD-TYPED2', amount: 1200, note: '' });
  const approvalId = (await getExecution(db(), ex.id)).approvals[0]!.id;
  // One vote on version 1 before the edit.
  await decideApproval(db(), actorOf(early), approvalId, 'approve', { data: { cost_center: 'ops', approved_amount: 1200 }, payload_version: 1 });

  // The late approver opens the dialog on version 1 and leaves it open.
  const lateCtx = await browser.newContext();
  try {
    const latePage = await lateCtx.newPage();
    await signIn(latePage, late, `/executions/${ex.id}`);
    await latePage.getByRole('button', { name: 'Approve', exact: true }).click();
    const lateDialog = latePage.getByTestId('decide-dialog');
    await expect(lateDialog.getByTestId('payload-version')).toHaveText('Payload version 1');
    await lateDialog.getByTestId('decision-form').getByLabel('Cost center').selectOption('rnd');
    await lateDialog.getByTestId('decision-form').getByLabel('Approved amount').fill('1200');

    // The editor approves with edits: amount 1200 → 900, a note.
    await signIn(page, editor, `/executions/${ex.id}`);
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    const dialog = page.getByTestId('decide-dialog');
    await dialog.getByTestId('toggle-edits').click();
    const edits = dialog.getByTestId('edits-form');
    await expect(edits.getByLabel('Amount')).toHaveValue('1200'); // the current payload
    await edits.getByLabel('Amount').fill('900');
    await edits.getByLabel('Note').fill('capped at the order value');
    await dialog.getByTestId('decision-form').getByLabel('Cost center').selectOption('ops');
    await dialog.getByTestId('decision-form').getByLabel('Approved amount').fill('900');
    await noSeriousAxe(page);
    await dialog.getByRole('button', { name: 'Approve with edits', exact: true }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('toast').filter({ hasText: 'Approved' })).toBeVisible();

    // The timeline shows the diff; the early vote is stale (kept, not counted); version 2.
    const edited = page.getByTestId('timeline').locator('li[data-kind="payload_edited"]');
    await expect(edited).toContainText('Payload edited (version 1 → 2)');
    await expect(edited).toContainText('amount: 1200 → 900');
    await expect(edited).toContainText('note: "" → "capped at the order value"');
    await expect(edited).toContainText(`by ${editor.email}`);
    await expect(page.getByTestId('approval-payload-version')).toHaveText('payload version 2');
    await expect(page.locator('[data-testid="decision"][data-stale="true"]')).toContainText(`stale: version 1, not counted`);
    await expect(page.locator('[data-testid="decision"][data-stale="true"]')).toContainText(early.email);
    await expect(page.getByTestId('quorum')).toHaveText('1 of 3 approvals');

    // The late approver's dialog still shows version 1: the vote is refused with "payload changed".
    await lateDialog.getByTestId('confirm-decision').click();
    await expect(latePage.getByTestId('toast').filter({ hasText: 'The payload changed since you looked' })).toBeVisible();
    const after = await getExecution(db(), ex.id);
    expect(after.approvals[0]!.payload_version).toBe(2);
    expect(after.approvals[0]!.decisions.map((d) => [d.actor, d.payload_version, d.stale])).toEqual([
      [early.email, 1, true],
      [editor.email, 2, false],
    ]);
    expect(after.context).toMatchObject({ amount: 900, note: 'capped at the order value' });
  } finally {
    await lateCtx.close();
  }
});

test('a pause step with an input_schema resumes through a form on the execution page; the server’s 422 shows inline', async ({ page }) => {
  const operator = await makeUser('operator');
  const key = uniq('typed-pause');
  await createWorkflow(db(), {
    key,
    name: `Typed pause ${key.slice(-4)}`,
    definition: {
      steps: [
        {
          id: 'wait-bank',
          type: 'pause',
          reason: 'Bank confirms',
          input_schema: {
            type: 'object',
            properties: {
              reference: { type: 'string', title: 'Reference', pattern: '^TX-[0-9]+$', description: 'As on the bank statement' },
              channel: { type: 'string', title: 'Channel', enum: ['sepa', 'swift'], default: 'sepa' },
              contact: { type: 'string', title: 'Contact', format: 'email' },
            },
            required: ['reference'],
          },
          next: 'done',
        },
        { id: 'done', type: 'action', action: { type: 'set', values: { done: true } } },
      ],
    },
  });
  const ex = await startAs(operator, key, {});
  // The workflow (which says the step has a form) answers only when let: until then the dialog
  // waits instead of offering the JSON box that the form would replace under the user's typing.
  let answerWorkflow = () => {};
  const workflowHeld = new Promise<void>((r) => (answerWorkflow = r));
  await page.route(
    (url) => url.pathname.startsWith('/api/v1/workflows/'),
    async (route) => {
      await workflowHeld;
      await route.continue();
    },
  );
  await signIn(page, operator, `/executions/${ex.id}`);
  await page.getByRole('button', { name: 'Resume…' }).click();
  await expect(page.getByRole('dialog').getByRole('status')).toHaveText('Loading the step’s form…');
  await expect(page.getByLabel('resume_data (JSON)')).toHaveCount(0);
  await expect(page.getByTestId('confirm-resume')).toBeDisabled();
  answerWorkflow();
  const form = page.getByTestId('resume-form');
  await expect(form.locator('label')).toHaveText([/^Reference/, /^Channel/, /^Contact/]);
  await expect(form.getByLabel('Channel')).toHaveValue('0'); // the default, "sepa"
  await expect(form.getByLabel('Reference')).toHaveAccessibleDescription('As on the bank statement');
  await page.getByTestId('confirm-resume').click();
  await expect(form.getByLabel('Reference')).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByTestId('field-error')).toHaveText('Reference is required');
  await form.getByLabel('Reference').fill('TX-42');
  await form.getByLabel('Contact').fill('nobody');
  await page.getByTestId('confirm-resume').click();
  await expect(page.getByTestId('server-error')).toHaveText('The server refused it: resume_data.contact: must match format "email"');
  await expect(form.getByLabel('Contact')).toHaveAttribute('aria-invalid', 'true');
  await form.getByLabel('Contact').fill('ops@example.com');
  await page.getByTestId('confirm-resume').click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Execution resumed' })).toBeVisible();
  const after = await getExecution(db(), ex.id);
  expect(after.status).toBe('completed');
  expect(after.resume_data).toEqual({ reference: 'TX-42', channel: 'sepa', contact: 'ops@example.com' });
});
