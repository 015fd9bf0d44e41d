/**
 * Issue 10 item 6 in a real browser (the redirect after sign-in happens in the page, not in an HTTP
 * answer, so curl cannot show it): signs in through the sign-in form at
 * `BASE/signin?callbackUrl=<CALLBACK>` and prints the URL the browser ends up on. Requests to other
 * hosts are answered locally ("left the site"), so nothing leaves the machine.
 *
 *   BASE=http://localhost:3000 EMAIL=… PASSWORD=… CALLBACK='/\t/example.org/pwned' npx tsx e2e/evidence/trust-redirect.ts
 *
 * Used by e2e/evidence/trust-evidence.sh; the browser is found like the Playwright suite finds it.
 */
import { chromium } from '@playwright/test';
import { resolveChromium } from '@/lib/bin/support/chromium';

const base = process.env.BASE ?? 'http://localhost:3000';
const callback = process.env.CALLBACK ?? '/\t/example.org/pwned';
const origin = new URL(base).origin;

const found = await resolveChromium();
Object.assign(process.env, found.env);
const browser = await chromium.launch({ executablePath: found.executablePath, args: found.args });
try {
  const page = await browser.newPage();
  // Anything off this site is answered here: the page proves the browser left, nothing is fetched.
  await page.route(
    (url) => url.origin !== origin,
    (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>left the site</h1>' }),
  );
  const start = `${base}/signin?callbackUrl=${encodeURIComponent(callback)}`;
  console.log(`browser: ${found.source}; open ${start}`);
  await page.goto(start);
  await page.locator('#email').fill(process.env.EMAIL ?? '');
  await page.locator('#password').fill(process.env.PASSWORD ?? '');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/signin') || u.origin !== origin, { timeout: 30_000 }).catch(() => undefined);
  await page.waitForLoadState('load').catch(() => undefined);
  const at = new URL(page.url());
  console.log(`after sign-in the browser is on: ${at.href}`);
  console.log(at.origin === origin ? `same origin (${origin})` : `OTHER ORIGIN: ${at.origin}`);
} finally {
  await browser.close();
}
