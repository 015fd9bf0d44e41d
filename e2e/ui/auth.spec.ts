import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { startWebServer } from '../helpers/web-server';
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

test('after sign-in, a callbackUrl pointing elsewhere lands on this site’s start page', async ({ page, baseURL }) => {
  const user = await makeUser('viewer');
  // "/<TAB>/example.org/pwned": browsers drop the tab and read "//example.org/pwned", another host.
  await page.goto('/signin?callbackUrl=%2F%09%2Fexample.org%2Fpwned');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('whoami')).toContainText(user.email);
  expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
  expect(new URL(page.url()).pathname).toBe('/');
  await expect(page.getByRole('heading', { name: 'Inbox', level: 1 })).toBeVisible();
});

test('the sign-in page shows its own words for an error code, never the URL’s text', async ({ page }) => {
  await page.goto(`/signin?error=${encodeURIComponent('Too many sign-ins. Call +1-555-0100 to unlock')}`);
  await expect(page.getByTestId('signin-error')).toHaveText('Sign-in failed. Please try again.');
  await expect(page.getByText('555-0100')).toHaveCount(0);
});

test('a locked-out attacker beside a user who still signs in', async ({ browser }) => {
  test.setTimeout(180_000); // starts a web server of its own, then seven sign-ins through the form
  // A web server of its own behind a "proxy" on loopback, so each browser can have its own address
  // (X-Forwarded-For, as the proxy would set it).
  const server = await startWebServer(process.env.DATABASE_URL!, { TRUSTED_PROXIES: 'loopback' });
  try {
    const victim = await makeUser('approver');
    const attacker = await browser.newContext({ baseURL: server.baseUrl, extraHTTPHeaders: { 'x-forwarded-for': '203.0.113.66' } });
    const user = await browser.newContext({ baseURL: server.baseUrl, extraHTTPHeaders: { 'x-forwarded-for': '198.51.100.7' } });
    const a = await attacker.newPage();
    await a.goto('/signin');
    await a.getByLabel('Email').fill(victim.email);
    for (let i = 0; i < 5; i++) {
      await a.getByLabel('Password').fill(`guess-${i}`);
      await a.getByRole('button', { name: 'Sign in' }).click();
      await expect(a.getByTestId('signin-error')).toHaveText('Wrong email or password. Check both and try again.');
    }
    // The attacker's address is now throttled for that account — even the right password is refused.
    await a.getByLabel('Password').fill(victim.password);
    await a.getByRole('button', { name: 'Sign in' }).click();
    await expect(a.getByTestId('signin-error')).toContainText(/^Too many failed sign-ins\. Try again in \d+ minutes?\.$/);
    expect((await a.request.get('/api/v1/me')).status()).toBe(401);

    // The real user, from their own address, signs in at once.
    const u = await user.newPage();
    await u.goto('/signin');
    await u.getByLabel('Email').fill(victim.email);
    await u.getByLabel('Password').fill(victim.password);
    await u.getByRole('button', { name: 'Sign in' }).click();
    await expect(u.getByTestId('whoami')).toContainText(victim.email);
    await expect(u.getByRole('heading', { name: 'Inbox', level: 1 })).toBeVisible();
    await attacker.close();
    await user.close();
  } finally {
    await server.stop();
  }
});

test('the console runs under its Content-Security-Policy: every page works, nothing is refused', async ({ page }) => {
  test.setTimeout(180_000); // six pages, each rendered per request (each carries its own nonce)
  const refused: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
  });
  page.on('pageerror', (e) => refused.push(e.message));
  const admin = await makeUser('admin');
  await signInWithForm(page, admin);
  const headings: [string, string][] = [
    ['/', 'Inbox'],
    ['/executions', 'Executions'],
    ['/ops', 'Operations'],
    ['/workflows', 'Workflows'],
    ['/api-docs', 'API reference'],
  ];
  for (const [path, heading] of headings) {
    const res = await page.goto(path);
    expect(res!.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    // Generous: each page is rendered per request, and /api-docs renders the whole OpenAPI document.
    await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible({ timeout: 30_000 });
  }
  // Client-side navigation and a live query still work (scripts loaded after the first page).
  await page.getByRole('link', { name: 'Executions' }).first().click();
  await expect(page).toHaveURL(/\/executions/);
  expect(refused).toEqual([]);
});
