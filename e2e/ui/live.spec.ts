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

let watches = 0;

/**
 * Watches, from inside the page (Playwright's polling would add its own delay), for the first time
 * `selector` appears or leaves — or, with `text`, starts or stops showing that text — and for it
 * changing back afterwards; and for any reload or navigation meanwhile. A marker on `window` survives
 * only if the document stays the same; only document requests count as navigations (Next's late
 * prefetches of other pages, `/ops?_rsc=…`, are not).
 */
async function watchForChange(page: Page, selector: string, text?: string) {
  const name = `__watch${++watches}`;
  await page.evaluate(
    ({ name, selector, text }) => {
      const marks = { sameDocument: true } as { sameDocument: boolean; changedAt?: number; revertedAt?: number };
      (window as unknown as Record<string, typeof marks>)[name] = marks;
      const state = () => {
        const el = document.querySelector(selector);
        return text === null ? el !== null : el?.textContent === text;
      };
      const initial = state();
      new MutationObserver(() => {
        if (marks.changedAt === undefined) {
          if (state() !== initial) marks.changedAt = Date.now();
        } else if (state() === initial) marks.revertedAt ??= Date.now();
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    },
    { name, selector, text: text ?? null },
  );
  const navigations: string[] = [];
  page.on('request', (r) => {
    if (r.isNavigationRequest()) navigations.push(r.url());
  });
  const mark = (key: 'changedAt' | 'revertedAt') =>
    page.evaluate(({ name, key }) => (window as unknown as Record<string, Record<string, number | undefined> | undefined>)[name]?.[key], { name, key });
  return {
    /**
     * When the change happened (Date.now() in the page), logged as `what` relative to `since`. The
     * test waits for it longer than any limit it holds it to, so that a slow run still says how slow.
     */
    async changedAt(since: number, what: string, timeoutMs = 10_000): Promise<number | undefined> {
      const at = await expect
        .poll(() => mark('changedAt'), { timeout: timeoutMs, intervals: [50] })
        .toBeDefined()
        .then(() => mark('changedAt'))
        .catch(() => undefined);
      console.log(`[live] ${what} ${at === undefined ? `not within ${timeoutMs / 1000} s` : `${at - since} ms`}`);
      return at;
    },
    /** When it changed back after changing, if it did. */
    revertedAt: () => mark('revertedAt'),
    async expectNoReload() {
      expect(await page.evaluate((name) => (window as unknown as Record<string, { sameDocument?: boolean } | undefined>)[name]?.sameDocument, name)).toBe(true);
      expect(navigations).toEqual([]);
    },
  };
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
    const rowWatch = await watchForChange(page, `[data-testid="inbox-row"][data-execution-id="${exec.id}"]`);
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
    const goneAt = await rowWatch.changedAt(decidedAt, "the row left the inbox (ms after the approval's response):");
    for (const e of events.seen) console.log(`[live]   ${String(e.at - decidedAt).padStart(5)} ms  pushed ${e.data}`);
    events.close();
    if (goneAt === undefined) console.log(`[live] worker output:\n${worker.output().slice(-4000)}`);
    expect(goneAt).toBeDefined();
    expect(goneAt! - decidedAt).toBeLessThanOrEqual(1_000);
    await rowWatch.expectNoReload();
    await expect(page.getByTestId('inbox-count')).toHaveText('Nothing paused matching the filters');
    // Once a list fetch sent after the row left has answered, the row never came back in between.
    await expect.poll(() => [...listFetches.values()].some((f) => f.answered && f.sentAt >= goneAt!)).toBe(true);
    await expect(row).toHaveCount(0);
    expect(await rowWatch.revertedAt()).toBeUndefined();
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

  // Not "continues at refund": the rejection's branch, within a second.
  const rejected = 'Rejected: it continues at notify-customer as soon as the worker resumes it.';
  const outcomeWatch = await watchForChange(page, '[data-testid="pause-outcome"]', rejected);
  const res = await page.request.post(`/api/v1/approvals/${approvalId}/reject`, { headers: { authorization: `Bearer ${token}` }, data: { comment: 'no' } });
  const decidedAt = Date.now();
  expect(res.status()).toBe(200);
  const outcomeAt = await outcomeWatch.changedAt(decidedAt, "the execution page said where the rejection continues (ms after the rejection's response):");
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

/** The "Needs my decision" row of a request. */
const myApprovalRow = (approvalId: string) => `[data-testid="my-approval"][data-approval-id="${approvalId}"]`;

/** Milliseconds from `since` until the watched change, which must come without a reload. */
async function took(watch: Awaited<ReturnType<typeof watchForChange>>, since: number, what: string) {
  const at = await watch.changedAt(since, what, 15_000);
  expect(at).toBeDefined();
  await watch.expectNoReload();
  return at! - since;
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
  const row = page.locator(myApprovalRow(approvalId));
  await expect(row).toBeVisible();
  await expect(row).toContainText('CT-LIVE');
  await expect(page.getByTestId('my-approvals-live')).toContainText('Live', { timeout: 15_000 });
  const watch = await watchForChange(page, myApprovalRow(approvalId));

  const res = await page.request.post(`/api/v1/approvals/${approvalId}/approve`, { headers: { authorization: `Bearer ${bobToken}` }, data: { comment: 'Bob signs off' } });
  const decidedAt = Date.now();
  expect(res.status(), await res.text()).toBe(200);
  expect(await took(watch, decidedAt, "Bob's approval left Alice's list after (ms):")).toBeLessThanOrEqual(1_000);
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
      await expect(page.locator(myApprovalRow(approvalId))).toHaveCount(0); // assigned to Alice only
    }

    // The worker escalates to Bob a second after the request; his open page shows it.
    const bobWatch = await watchForChange(bobPage, myApprovalRow(approvalId));
    const escalatedAtMs = async () => (await db().execute<{ ms: string | null }>(sql`select (extract(epoch from escalated_at) * 1000)::bigint::text as ms from approval_requests where id = ${approvalId}`)).rows[0]?.ms ?? null;
    const worker = await startWorker();
    try {
      await expect.poll(escalatedAtMs, { timeout: 15_000 }).not.toBeNull();
    } finally {
      await worker.stop();
    }
    expect(await took(bobWatch, Number(await escalatedAtMs()), "the escalation reached Bob's list after (ms):")).toBeLessThanOrEqual(1_000);
    await expect(bobPage.locator(myApprovalRow(approvalId))).toContainText('escalated');

    // Alice hands her requests to Carol; Carol's open page shows this one.
    const carolWatch = await watchForChange(carolPage, myApprovalRow(approvalId));
    const res = await carolPage.request.put('/api/v1/me/delegation', {
      headers: { authorization: `Bearer ${aliceToken}` },
      data: { to: carol.email, until: new Date(Date.now() + 86_400_000).toISOString() },
    });
    const delegatedAt = Date.now();
    expect(res.status(), await res.text()).toBe(200);
    expect(await took(carolWatch, delegatedAt, "the delegation reached Carol's list after (ms):")).toBeLessThanOrEqual(1_000);
    await expect(carolPage.locator(myApprovalRow(approvalId))).toContainText('LS-LIVE');
  } finally {
    await bobPage.context().close();
    await carolPage.context().close();
  }
});
