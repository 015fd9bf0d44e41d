/**
 * Live updates: changes made elsewhere (the API, another person, the worker) reach an open page
 * through GET /api/v1/events within a second, with no reload and no polling.
 */
import { expect, test, type Page } from '@playwright/test';
import { createApiToken } from '@/lib/core/access/api-tokens';
import { ROLE_PERMISSIONS } from '@/lib/core/access/permissions';
import { getExecution } from '@/lib/core/executions/get-execution';
import { createWorkflow } from '@/lib/core/workflows/workflows';
import { closeDb, db, inboxRow, makeOrderWorkflow, makeUser, signIn, startAs, startWorker, uniq } from './helpers';

test.afterAll(closeDb);

/**
 * Watches GET /api/v1/events from the test itself, to say where the time went: when the decision's
 * and the worker's changes for `executionId` were announced.
 */
async function watchEvents(baseURL: string, token: string, executionId: string) {
  const ctrl = new AbortController();
  const seen: { at: number; data: string }[] = [];
  const res = await fetch(`${baseURL}/api/v1/events`, { headers: { authorization: `Bearer ${token}` }, signal: ctrl.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        for (const line of decoder.decode(value).split('\n')) if (line.startsWith('data: ') && line.includes(executionId)) seen.push({ at: Date.now(), data: line.slice(6) });
      }
    } catch {
      // closed
    }
  })();
  return { seen, close: () => ctrl.abort() };
}

/** Waits until the page receives pushes (the inbox says "Live"). */
async function waitForLive(page: Page) {
  await expect(page.getByTestId('live-state')).toContainText('Live', { timeout: 15_000 });
}

test('the inbox drops a row within 1 s of a final approval made through the API, without a reload', async ({ page, baseURL }) => {
  const operator = await makeUser('operator');
  const viewer = await makeUser('viewer');
  const approver = await makeUser('approver');
  // The approver's own token (bound to the user), as a script or another client would use.
  const token = (await createApiToken(db(), { name: uniq('live'), permissions: [...ROLE_PERMISSIONS.approver], userEmail: approver.email })).token;
  const wf = await makeOrderWorkflow();
  const exec = await startAs(operator, wf.key, { order_id: 'ORD-LIVE1', amount: 42_000 });
  const approvalId = (await getExecution(db(), exec.id)).approvals[0]!.id;

  const worker = await startWorker();
  try {
    await signIn(page, viewer, `/?workflow=${wf.key}`);
    const row = inboxRow(page, exec.id);
    await expect(row).toBeVisible();
    await waitForLive(page);
    // No reload may happen: a marker on the window survives only if the page stays the same. The
    // page itself notes when the row leaves (Playwright's polling would add its own delay).
    await page.evaluate((id) => {
      const w = window as unknown as { __sameDocument: boolean; __rowGoneAt?: number; __rowBackAt?: number };
      w.__sameDocument = true;
      const gone = () => !document.querySelector(`[data-testid="inbox-row"][data-execution-id="${id}"]`);
      // It also notes the row coming back (a list fetch that read it before it left, answering late).
      const observer = new MutationObserver(() => {
        if (w.__rowGoneAt === undefined && gone()) w.__rowGoneAt = Date.now();
        else if (w.__rowGoneAt !== undefined && !gone()) w.__rowBackAt ??= Date.now();
      });
      observer.observe(document.body, { childList: true, subtree: true });
    }, exec.id);
    // Only a document request is a navigation: Next's prefetches of other pages (`/ops?_rsc=…`),
    // which a busy machine may send this late, are not.
    const navigations: string[] = [];
    page.on('request', (r) => {
      if (r.isNavigationRequest()) navigations.push(r.url());
    });
    // When each of the inbox's list fetches was sent, and which of them have answered.
    const listFetches = new Map<object, { sentAt: number; answered: boolean }>();
    const isListFetch = (url: string) => new URL(url).pathname === '/api/v1/executions/paused';
    page.on('request', (r) => {
      if (isListFetch(r.url())) listFetches.set(r, { sentAt: Date.now(), answered: false });
    });
    page.on('requestfinished', (r) => {
      const f = listFetches.get(r);
      if (f) f.answered = true;
    });
    const events = await watchEvents(baseURL!, token, exec.id);

    const res = await page.request.post(`/api/v1/approvals/${approvalId}/approve`, {
      headers: { authorization: `Bearer ${token}` },
      data: { comment: 'approved from a script' },
    });
    const decidedAt = Date.now();
    expect(res.status(), await res.text()).toBe(200);
    expect((await res.json()).status).toBe('approved'); // final: one approval required

    // Waits longer than the limit, so that a slow run still says how slow, and where the time went,
    // before the limit is asserted.
    const goneAt = await expect
      .poll(() => page.evaluate(() => (window as unknown as { __rowGoneAt?: number }).__rowGoneAt), { timeout: 10_000, intervals: [50] })
      .toBeDefined()
      .then(() => page.evaluate(() => (window as unknown as { __rowGoneAt?: number }).__rowGoneAt!))
      .catch(() => undefined);
    console.log(`[live] the row left the inbox ${goneAt === undefined ? 'not within 10 s' : `${goneAt - decidedAt} ms`} after the approval's response`);
    for (const e of events.seen) console.log(`[live]   ${String(e.at - decidedAt).padStart(5)} ms  pushed ${e.data}`);
    events.close();
    if (goneAt === undefined) console.log(`[live] worker output:\n${worker.output().slice(-4000)}`);
    expect(goneAt).toBeDefined();
    expect(goneAt! - decidedAt).toBeLessThanOrEqual(1_000);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    expect(navigations).toEqual([]); // no reload, no navigation
    await expect(page.getByTestId('inbox-count')).toHaveText('Nothing paused matching the filters');
    // Once a list fetch sent after the row left has answered, the row never came back in between.
    await expect.poll(() => [...listFetches.values()].some((f) => f.answered && f.sentAt >= goneAt!)).toBe(true);
    await expect(row).toHaveCount(0);
    expect(await page.evaluate(() => (window as unknown as { __rowBackAt?: number }).__rowBackAt)).toBeUndefined();
  } finally {
    await worker.stop();
  }
});

test('the execution page follows a rejection made elsewhere: where it goes now, then how it ended', async ({ page }) => {
  const operator = await makeUser('operator');
  const viewer = await makeUser('viewer');
  const approver = await makeUser('approver');
  const token = (await createApiToken(db(), { name: uniq('live'), permissions: [...ROLE_PERMISSIONS.approver], userEmail: approver.email })).token;
  const key = uniq('refunds');
  await createWorkflow(db(), {
    key,
    name: 'Refund review',
    definition: {
      steps: [
        { id: 'review', type: 'approval', reason: 'Refund over the limit', on_approve: 'refund', on_reject: 'notify-customer' },
        { id: 'refund', type: 'action', action: { type: 'set', values: { refunded: true } } },
        { id: 'notify-customer', type: 'action', action: { type: 'set', values: { told: true } } },
      ],
    },
  });
  const exec = await startAs(operator, key, { refund_id: 'RF-9', amount: 900 });
  const approvalId = (await getExecution(db(), exec.id)).approvals[0]!.id;

  await signIn(page, viewer, `/executions/${exec.id}`);
  await expect(page).toHaveTitle(/^RF-9 · Refund review/);
  const outcomes = page.getByTestId('pause-outcomes');
  await expect(outcomes).toContainText('On approve → refund');
  await expect(outcomes).toContainText('On reject → notify-customer');
  await expect(page.getByTestId('live-state')).toHaveCount(0); // (the inbox's indicator; the page has its own below)
  await expect(page.getByTestId('execution-live')).toContainText('Live', { timeout: 15_000 });

  // Not "continues at refund": the rejection's branch, within a second. The page itself notes when
  // the text changes; the test waits longer than the limit, so a slow run says how slow it was.
  const rejected = 'Rejected: it continues at notify-customer as soon as the worker resumes it.';
  await page.evaluate((text) => {
    const w = window as unknown as { __outcomeAt?: number };
    const observer = new MutationObserver(() => {
      if (document.querySelector('[data-testid="pause-outcome"]')?.textContent === text) {
        w.__outcomeAt = Date.now();
        observer.disconnect();
      }
    });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  }, rejected);
  const res = await page.request.post(`/api/v1/approvals/${approvalId}/reject`, { headers: { authorization: `Bearer ${token}` }, data: { comment: 'no' } });
  const decidedAt = Date.now();
  expect(res.status()).toBe(200);
  await expect(page.getByTestId('pause-outcome')).toHaveText(rejected);
  const took = (await page.evaluate(() => (window as unknown as { __outcomeAt?: number }).__outcomeAt!)) - decidedAt;
  console.log(`[live] the execution page said where the rejection continues ${took} ms after the rejection's response`);
  expect(took).toBeLessThanOrEqual(1_000);

  const worker = await startWorker();
  try {
    await expect(page.getByTestId('execution-status')).toHaveText('completed', { timeout: 15_000 });
    await expect(page.getByTestId('step-path')).toContainText('notify-customer');
  } finally {
    await worker.stop();
  }
});
