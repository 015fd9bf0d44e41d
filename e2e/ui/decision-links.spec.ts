/**
 * A decision link from a real mail, in a browser that is not signed in: a scanner's GET decides
 * nothing, the page approves, the execution completes, and the used link shows the outcome.
 */
import { expect, test } from '@playwright/test';
import { eq } from 'drizzle-orm';
import { createWorkflow } from '@/lib/core/workflows/workflows';
import { approvalRequests, workflowExecutions } from '@/lib/db/schema';
import { linkIn, startMailSink, type MailSink } from '../helpers/mail-sink';
import { spawnWorker, waitForOutput, type Proc } from '../helpers/processes';
import { closeDb, db, makeUser, startAs, uniq } from './helpers';

let sink: MailSink;
let worker: Proc | null = null;

// A worker process for this file only: the specs after it expect no worker to resume what they
// decide, so it must not outlive the file — not even when Playwright tears this process down.
const killWorker = () => {
  if (worker && worker.child.exitCode === null) worker.child.kill('SIGKILL');
};
process.once('exit', killWorker);

// Mail, a worker process and a browser round trip: more than the default minute on a loaded machine.
test.describe.configure({ timeout: 180_000 });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  sink = await startMailSink();
  worker = spawnWorker(process.env.DATABASE_URL!, { SMTP_URL: sink.url, WORKER_INTERVAL: '10m', PUBLIC_URL: process.env.WR_BASE_URL ?? '' });
  await waitForOutput(worker, /Paused executions processed/, 100_000);
});

test.afterAll(async () => {
  // A clean stop (SIGTERM) takes the worker's heartbeat with it: a killed worker would look alive to
  // the ops page for two of its (10 min) intervals. SIGKILL only if it does not stop in time.
  if (worker && worker.child.exitCode === null) {
    worker.child.kill('SIGTERM');
    await Promise.race([worker.exited, new Promise((r) => setTimeout(r, 10_000))]);
  }
  killWorker();
  await worker?.exited;
  await sink?.close();
  await closeDb();
});

const status = async (id: string) => (await db().select({ s: workflowExecutions.status }).from(workflowExecutions).where(eq(workflowExecutions.id, id)))[0]!.s;

test('the link from the mail decides in a browser that is not signed in; a scanner GET does not', async ({ browser, request }) => {
  const approver = await makeUser('approver', 'Alice Approver');
  const operator = await makeUser('operator');
  const key = uniq('refunds');
  await createWorkflow(db(), {
    key,
    name: 'Refund approval',
    definition: {
      steps: [
        { id: 'gate', type: 'approval', reason: 'Refund over 10,000', assignees: [approver.email], on_approve: 'pay' },
        { id: 'pay', type: 'action', action: { type: 'set', values: { paid: true } } },
      ],
    },
  });
  const exec = await startAs(operator, key, { refund_id: 'RF-7781', amount: 12_500 });
  expect(exec.status).toBe('paused');
  const [approval] = await db().select().from(approvalRequests).where(eq(approvalRequests.executionId, exec.id));

  const mail = await sink.waitFor((m) => m.to.includes(approver.email) && m.parsed.headers.get('x-workflow-resumer-approval') === approval!.id, 15_000);
  const link = linkIn(mail);

  // A mail scanner follows the link: a page comes back, nothing is decided.
  const scanned = await request.get(link);
  expect(scanned.status()).toBe(200);
  const pendingApi = await request.get(link.replace('/decide/', '/api/v1/decision-links/'));
  expect((await pendingApi.json()).state).toBe('open');
  expect(await status(exec.id)).toBe('paused');

  // The approver, not signed in, in a fresh browser.
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(link);
  await expect(page.getByRole('heading', { name: /Refund approval: Refund over 10,000/ })).toBeVisible();
  await expect(page.getByText('RF-7781')).toBeVisible();
  await expect(page.getByTestId('link-status')).toHaveText(/pending/i);
  await page.getByLabel('Comment (optional)').fill('Checked the invoice');
  await page.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your approval is recorded.' })).toBeVisible();
  await expect(page.getByTestId('link-decisions')).toContainText(`${approver.email} approved: “Checked the invoice”`);
  await expect.poll(() => status(exec.id), { timeout: 15_000 }).toBe('completed');

  // The used link shows the outcome and offers nothing to click.
  await page.reload();
  await expect(page.getByTestId('link-message')).toHaveText(/decided; the link decides nothing more/);
  await expect(page.getByRole('button', { name: 'Approve' })).toHaveCount(0);
  await expect(page.getByTestId('link-status')).toHaveText(/approved/i);

  // A forged token: a plain page, nothing changes.
  await page.goto(link.replace(/wrd_.{6}/, 'wrd_XXXXXX'));
  await expect(page.getByTestId('link-error')).toHaveText(/not a valid decision link/);
  await context.close();
});
