import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { closeDb, inboxRow, makeOrderWorkflow, makeUser, signIn, signInWithForm, startAs } from './helpers';

test.afterAll(closeDb);

test('a signed-out visitor is sent to sign-in and comes back after it', async ({ page }) => {
  const user = await makeUser('viewer');
  await page.goto('/ops');
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Fops/);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/ops$/);
  await expect(page.getByRole('heading', { name: 'Operations' })).toBeVisible();
});

for (const role of ['admin', 'operator', 'approver', 'viewer'] as const) {
  test(`a ${role} signs in, sees the inbox, and signs out`, async ({ page }) => {
    const user = await makeUser(role);
    await signInWithForm(page, user);
    await expect(page.getByRole('heading', { name: 'Inbox', level: 1 })).toBeVisible();
    await expect(page.getByTestId('role')).toHaveText(role);
    // The session cookie is what the console's API calls use.
    const me = await page.request.get('/api/v1/me');
    expect(me.status()).toBe(200);
    expect(await me.json()).toMatchObject({ id: user.email, role });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/signin/);
    await expect(page.getByText('You have signed out.')).toBeVisible();
    expect((await page.request.get('/api/v1/me')).status()).toBe(401);
  });
}

test('a wrong password says so clearly, and repeated failures are throttled', async ({ page }) => {
  const user = await makeUser('approver');
  await page.goto('/signin');
  await page.getByLabel('Email').fill(user.email);
  for (let i = 0; i < 5; i++) {
    await page.getByLabel('Password').fill(`wrong-${i}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('signin-error')).toHaveText('Wrong email or password. Check both and try again.');
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeDisabled(); // the password was cleared
  }
  // Sixth attempt in the window — even with the right password — is refused without checking it.
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signin-error')).toContainText('Too many failed sign-ins. Try again in');
  await expect(page).toHaveURL(/\/signin/);
  expect((await page.request.get('/api/v1/me')).status()).toBe(401);
});

test('a cookie-authenticated write from another origin is refused with 403', async ({ page, baseURL }) => {
  const operator = await makeUser('operator');
  const wf = await makeOrderWorkflow();
  const exec = await startAs(operator, wf.key, { order_id: 'ORD-CSRF', amount: 50_000 });
  expect(exec.status).toBe('paused');
  await signIn(page, operator);

  // 1. The same cookie, announced as coming from elsewhere: refused before anything runs.
  const forged = await page.request.post(`/api/v1/executions/${exec.id}/cancel`, {
    headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
    data: {},
  });
  expect(forged.status()).toBe(403);
  expect((await forged.json()).error).toMatchObject({ code: 'forbidden', message: 'cross-origin request refused' });

  // 2. A real page on another origin — the same host on another port, so the browser does send the
  //    session cookie (same site) — posting a "simple" request that needs no CORS preflight.
  const evil = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>totally legit</title><p>win a prize</p>');
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
  try {
    const evilOrigin = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
    await page.goto(`${evilOrigin}/`);
    const target = `${baseURL}/api/v1/executions/${exec.id}/cancel`;
    const responded = page.waitForResponse((r) => r.url() === target && r.request().method() === 'POST');
    await page.evaluate(
      (url) =>
        fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: '{}' }).catch(() => null),
      target,
    );
    const res = await responded;
    // 403, not 401: the cookie did arrive and identified the user; the origin check refused the write.
    expect(res.status()).toBe(403);
  } finally {
    await new Promise((r) => evil.close(r));
  }

  // Nothing changed: the execution is still paused and still in the inbox.
  const after = await page.request.get(`${baseURL}/api/v1/executions/${exec.id}`);
  expect((await after.json()).status).toBe('paused');
  await page.goto(`${baseURL}/?workflow=${wf.key}`);
  await expect(inboxRow(page, exec.id)).toBeVisible();
});
