/**
 * axe-core (WCAG 2.x A/AA rules and best practices) on every page a person works in, in light and
 * dark: no serious or critical violation. The counts per page and theme (and the rules of any
 * lesser findings) go to e2e/artifacts/axe-summary.json (git-ignored) and the test log.
 */
import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { decideApproval } from '@/lib/core/approvals/decide-approval';
import { getExecution } from '@/lib/core/executions/get-execution';
import { actorOf, ARTIFACTS, closeDb, db, inboxRow, makeOrderWorkflow, makeUser, signIn, startAs } from './helpers';

test.afterAll(closeDb);

type Counts = Record<'critical' | 'serious' | 'moderate' | 'minor', number>;
type Entry = Counts & { rules: string[] };
const SUMMARY_FILE = path.join(ARTIFACTS, 'axe-summary.json');

/** Adds one page's counts to e2e/artifacts/axe-summary.json (kept across the two themes' tests). */
function record(name: string, entry: Entry) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const all = fs.existsSync(SUMMARY_FILE) ? (JSON.parse(fs.readFileSync(SUMMARY_FILE, 'utf8')) as Record<string, Entry>) : {};
  all[name] = entry;
  fs.writeFileSync(SUMMARY_FILE, `${JSON.stringify(all, null, 2)}\n`);
  console.log(`[axe] ${name.padEnd(26)} critical ${entry.critical} · serious ${entry.serious} · moderate ${entry.moderate} · minor ${entry.minor}${entry.rules.length ? ` (${entry.rules.join(', ')})` : ''}`);
}

async function audit(page: Page, name: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const counts: Counts = { critical: 0, serious: 0, moderate: 0, minor: 0 };
  for (const v of results.violations) counts[(v.impact ?? 'minor') as keyof Counts] += v.nodes.length;
  record(name, { ...counts, rules: results.violations.map((v) => `${v.impact}:${v.id}`) });
  const blocking = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = blocking.map((v) => `${v.impact} ${v.id}: ${v.help}\n${v.nodes.map((n) => `  ${n.target.join(' ')} — ${n.failureSummary?.split('\n').slice(1).join(' ')}`).join('\n')}`);
  expect(report, `${name}: serious/critical axe violations`).toEqual([]);
}

for (const scheme of ['light', 'dark'] as const) {
  test(`axe: sign-in, inbox, decision dialog, execution, ops, executions and workflows (${scheme})`, async ({ page, browser }) => {
    test.setTimeout(480_000); // nine pages, each analysed in full, on a busy machine
    const operator = await makeUser('operator');
    const approver = await makeUser('approver');
    const other = await makeUser('approver');
    const wf = await makeOrderWorkflow();
    const a = await startAs(operator, wf.key, { order_id: 'ORD-A11Y1', customer: 'Acme', amount: 25_000 }, { pausedAt: new Date(Date.now() - 30 * 3_600_000) });
    await startAs(operator, wf.key, { order_id: 'ORD-A11Y2', amount: 12_500 });
    await startAs(approver, wf.key, { order_id: 'ORD-A11Y3', amount: 19_000 }); // self-approval: disabled buttons with a reason
    const decided = await startAs(operator, wf.key, { order_id: 'ORD-A11Y4', amount: 31_000 });
    await decideApproval(db(), actorOf(other), (await getExecution(db(), decided.id)).approvals[0]!.id, 'approve', { comment: 'fine' });
    await page.emulateMedia({ colorScheme: scheme });

    // Sign-in, empty and after a failed attempt (the error message's colours too).
    await page.goto('/signin');
    await expect(page.getByLabel('Email')).toBeVisible();
    await audit(page, `sign-in (${scheme})`);
    await page.getByLabel('Email').fill(approver.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('signin-error')).toBeVisible();
    await audit(page, `sign-in error (${scheme})`);

    await signIn(page, approver, `/?workflow=${wf.key}`);
    await expect(page.getByTestId('inbox-row')).toHaveCount(4);
    await expect(inboxRow(page, decided.id).getByTestId('decided-note')).toBeVisible();
    await audit(page, `inbox (${scheme})`);

    await inboxRow(page, a.id).getByRole('button', { name: 'Approve' }).click();
    await expect(page.getByTestId('decide-dialog')).toBeVisible();
    await audit(page, `decision dialog (${scheme})`);
    await page.keyboard.press('Escape');

    await page.goto(`/executions/${a.id}`);
    await expect(page.getByTestId('pause-card')).toBeVisible();
    await expect(page.getByTestId('pause-outcomes')).toBeVisible();
    await audit(page, `execution (${scheme})`);

    await page.goto('/ops');
    await expect(page.getByTestId('stat-paused')).toBeVisible();
    await audit(page, `ops (${scheme})`);

    await page.goto(`/executions?workflow=${wf.key}`);
    await expect(page.getByTestId('execution-row').first()).toBeVisible();
    await audit(page, `executions (${scheme})`);

    await page.goto('/workflows');
    await expect(page.getByRole('heading', { level: 1, name: 'Workflows' })).toBeVisible();
    await expect(page.getByRole('link').filter({ hasText: wf.name }).first()).toBeVisible();
    await audit(page, `workflows (${scheme})`);

    // A viewer's inbox: the read-only marker instead of buttons.
    const viewer = await makeUser('viewer');
    const ctx = await browser.newContext({ colorScheme: scheme });
    try {
      const vp = await ctx.newPage();
      await signIn(vp, viewer, `/?workflow=${wf.key}`);
      await expect(vp.getByTestId('row-read-only').first()).toBeVisible();
      await audit(vp, `inbox, viewer (${scheme})`);
    } finally {
      await ctx.close();
    }
  });
}
