/**
 * Picks the browser when Playwright is started on its own (`npx playwright test`); `npm test` has
 * already done so (lib/bin/test.ts). Environment variables set here reach every worker process,
 * which reads them in playwright.config.ts.
 */
import { chromiumEnv, resolveChromium } from '../../lib/bin/support/chromium';

export default async function globalSetup() {
  if (process.env.WR_CHROMIUM_SOURCE) return;
  const browser = await resolveChromium();
  Object.assign(process.env, chromiumEnv(browser));
  console.log(`[playwright] Chromium from ${browser.source}: ${browser.executablePath}`);
}
