/**
 * Live updates: changes made elsewhere (the API, another person, the worker) reach an open page
 * through GET /api/v1/events within a second, with no reload and no polling.
 */
import { expect, test, type Page } from '@playwright/test';
import { sql } from 'drizzle-orm';
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

/**
 * The time the page noted in `window[name]` (Date.now() in the page), waiting for it longer than any
 * limit the tests hold it to, so that a slow run still says how slow it was.
 */
async function notedAt(page: Page, name: string, timeoutMs = 10_000): Promise<number | undefined> {
  const read = () => page.evaluate((n) => (window as unknown as Record<string, number | undefined>)[n], name);
  return expect
    .poll(read, { timeout: timeoutMs, intervals: [50] })
    .toBeDefined()
    .then(read)
    .catch(() => undefined);
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

    // A slow run still says how slow, and where the time went, before the limit is asserted.
    const goneAt = await notedAt(page, '__rowGoneAt');
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
  const outcomeAt = await notedAt(page, '__outcomeAt');
  console.log(`[live] the execution page said where the rejection continues ${outcomeAt === undefined ? 'not within 10 s' : `${outcomeAt - decidedAt} ms`} after the rejection's response`);
  await expect(page.getByTestId('pause-outcome')).toHaveText(rejected);
  expect(outcomeAt! - decidedAt).toBeLessThanOrEqual(1_000);

  const worker = await startWorker();
  try {
    await expect(page.getByTestId('execution-status')).toHaveText('completed', { timeout: 15_000 });
    await expect(page.getByTestId('step-path')).toContainText('notify-customer');
  } finally {
    await worker.stop();
  }
});

/** A request dated back a few years: "Needs my decision" lists the oldest first, 100 a page, and
 * earlier tests leave pending requests every approver may decide — dated back, this one is on the
 * first page. */
async function approvalOf(executionId: string) {
  const approvalId = (await getExecution(db(), executionId)).approvals[0]!.id;
  await db().execute(sql`update approval_requests set created_at = '2001-01-01T00:00:00Z' where id = ${approvalId}`);
  return approvalId;
}

/** Notes, on the page, when the "Needs my decision" row for `approvalId` first appears or leaves. */
async function watchMyApprovalRow(page: Page, approvalId: string) {
  await page.evaluate((id) => {
    const w = window as unknown as { __sameDocument: boolean; __rowChangedAt?: number };
    w.__sameDocument = true;
    const present = () => !!document.querySelector(`[data-testid="my-approval"][data-approval-id="${id}"]`);
    const before = present();
    const observer = new MutationObserver(() => {
      if (present() !== before) {
        w.__rowChangedAt = Date.now();
        observer.disconnect();
      }
    });
    observer.observe(document.body, { childList: true, subtree: true });
  }, approvalId);
  const navigations: string[] = [];
  page.on('request', (r) => {
    if (r.isNavigationRequest()) navigations.push(r.url());
  });
  return {
    /** Milliseconds from `since` until the row appeared or left (the test waits up to 15 s to say). */
    async took(since: number, what: string) {
      const at = await notedAt(page, '__rowChangedAt', 15_000);
      console.log(`[live] ${what}: ${at === undefined ? 'not within 15 s' : `${at - since} ms`}`);
      expect(at).toBeDefined();
      expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
      expect(navigations).toEqual([]);
      return at! - since;
    },
  };
}

test('"Needs my decision" drops a request another approver decided within 1 s, and its count follows, without a reload', async ({ page, baseURL }) => {
  const operator = await makeUser('operator');
  const alice = await makeUser('approver', 'Alice Live');
  const bob = await makeUser('approver', 'Bob Live');
  const aliceToken = (await createApiToken(db(), { name: uniq('live'), permissions: [...ROLE_PERMISSIONS.approver], userEmail: alice.email })).token;
  const bobToken = (await createApiToken(db(), { name: uniq('live'), permissions: [...ROLE_PERMISSIONS.approver], userEmail: bob.email })).token;
  const key = uniq('contracts');
  await createWorkflow(db(), {
    key,
    name: 'Contract review',
    definition: {
      steps: [
        { id: 'review', type: 'approval', reason: 'Contract over the limit', assignees: [alice.email, bob.email], on_approve: 'sign' },
        { id: 'sign', type: 'action', action: { type: 'set', values: { signed: true } } },
      ],
    },
  });
  const exec = await startAs(operator, key, { contract_id: 'CT-LIVE' });
  const approvalId = await approvalOf(exec.id);

  await signIn(page, alice, '/'); // an approver opens on "Needs my decision"
  const row = page.locator(`[data-testid="my-approval"][data-approval-id="${approvalId}"]`);
  await expect(row).toBeVisible();
  await expect(row).toContainText('CT-LIVE');
  await expect(page.getByTestId('my-approvals-live')).toContainText('Live', { timeout: 15_000 });
  const watch = await watchMyApprovalRow(page, approvalId);

  const res = await page.request.post(`/api/v1/approvals/${approvalId}/approve`, { headers: { authorization: `Bearer ${bobToken}` }, data: { comment: 'Bob signs off' } });
  const decidedAt = Date.now();
  expect(res.status(), await res.text()).toBe(200);
  expect(await watch.took(decidedAt, "Bob's approval left Alice's list after")).toBeLessThanOrEqual(1_000);
  await expect(row).toHaveCount(0);
  // The count beside "Needs my decision" says what the API says for Alice now.
  const mine = (await (await fetch(`${baseURL}/api/v1/approvals?for=me&limit=100`, { headers: { authorization: `Bearer ${aliceToken}` } })).json()) as { count: number; next_cursor: string | null };
  await expect(page.getByTestId('needs-my-decision-count')).toHaveText(mine.next_cursor ? `${mine.count}+` : String(mine.count));
});

test('an escalation and a delegation put the request in the new approver\'s "Needs my decision" without a reload', async ({ browser, baseURL }) => {
  const operator = await makeUser('operator');
  const alice = await makeUser('approver', 'Alice Away');
  const bob = await makeUser('approver', 'Bob Escalation');
  const carol = await makeUser('approver', 'Carol Delegate');
  const aliceToken = (await createApiToken(db(), { name: uniq('live'), permissions: [...ROLE_PERMISSIONS.approver], userEmail: alice.email })).token;
  const key = uniq('leases');
  await createWorkflow(db(), {
    key,
    name: 'Lease review',
    definition: {
      steps: [
        { id: 'review', type: 'approval', reason: 'Lease renewal', assignees: [alice.email], escalate_after: 'PT1S', escalate_to: { users: [bob.email] }, on_approve: 'renew' },
        { id: 'renew', type: 'action', action: { type: 'set', values: { renewed: true } } },
      ],
    },
  });
  const exec = await startAs(operator, key, { lease_id: 'LS-LIVE' });
  const approvalId = await approvalOf(exec.id);

  const bobPage = await (await browser.newContext({ baseURL })).newPage();
  const carolPage = await (await browser.newContext({ baseURL })).newPage();
  try {
    for (const [page, who] of [[bobPage, bob], [carolPage, carol]] as const) {
      await signIn(page, who, '/');
      await expect(page.getByTestId('my-approvals-live')).toContainText('Live', { timeout: 15_000 });
      await expect(page.locator(`[data-testid="my-approval"][data-approval-id="${approvalId}"]`)).toHaveCount(0); // assigned to Alice only
    }

    // The worker escalates to Bob a second after the request; his open page shows it.
    const bobWatch = await watchMyApprovalRow(bobPage, approvalId);
    const worker = await startWorker();
    try {
      await expect.poll(async () => (await db().execute<{ at: Date | null }>(sql`select escalated_at as at from approval_requests where id = ${approvalId}`)).rows[0]?.at ?? null, { timeout: 15_000 }).not.toBeNull();
    } finally {
      await worker.stop();
    }
    const escalatedAt = (await db().execute<{ at: string }>(sql`select (extract(epoch from escalated_at) * 1000)::bigint::text as at from approval_requests where id = ${approvalId}`)).rows[0]!.at;
    expect(await bobWatch.took(Number(escalatedAt), "the escalation reached Bob's list after")).toBeLessThanOrEqual(1_000);
    await expect(bobPage.locator(`[data-testid="my-approval"][data-approval-id="${approvalId}"]`)).toContainText('escalated');

    // Alice hands her requests to Carol; Carol's open page shows this one.
    const carolWatch = await watchMyApprovalRow(carolPage, approvalId);
    const res = await carolPage.request.put('/api/v1/me/delegation', {
      headers: { authorization: `Bearer ${aliceToken}` },
      data: { to: carol.email, until: new Date(Date.now() + 86_400_000).toISOString() },
    });
    const delegatedAt = Date.now();
    expect(res.status(), await res.text()).toBe(200);
    expect(await carolWatch.took(delegatedAt, "the delegation reached Carol's list after")).toBeLessThanOrEqual(1_000);
    await expect(carolPage.locator(`[data-testid="my-approval"][data-approval-id="${approvalId}"]`)).toContainText('LS-LIVE');
  } finally {
    await bobPage.context().close();
    await carolPage.context().close();
  }
});
