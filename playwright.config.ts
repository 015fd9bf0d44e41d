import { defineConfig, devices } from '@playwright/test';
import { chromiumArgsFromEnv } from './lib/bin/support/chromium';

// `npm test` starts the app and sets WR_BASE_URL and DATABASE_URL. The browser is resolved once
// (lib/bin/support/chromium.ts: CHROMIUM_PATH → Playwright's own → the npm-shipped one → the
// system's) by lib/bin/test.ts or, when Playwright runs on its own, by the global setup; this file
// is evaluated again in every worker and reads the answer from the environment.

export default defineConfig({
  testDir: './e2e/ui',
  outputDir: './test-results',
  globalSetup: './e2e/ui/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  forbidOnly: true,
  // On CI one retry, as Playwright's own template has: Chromium has been seen to hang on a capture
  // once in many runs. A test that needed it is printed as FLAKY, with its first failure, at the end
  // of npm test's output (lib/bin/support/failure-summary.ts) — noticed, not hidden.
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // npm test also asks for a JSON report, to end its output with each failure's message.
  reporter: process.env.WR_PLAYWRIGHT_JSON_REPORT ? [['list'], ['json', { outputFile: process.env.WR_PLAYWRIGHT_JSON_REPORT }]] : [['list']],
  use: {
    baseURL: process.env.WR_BASE_URL ?? 'http://localhost:3000',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: { executablePath: process.env.CHROMIUM_PATH, args: chromiumArgsFromEnv() },
  },
  // Screenshots the tests take on purpose go to e2e/artifacts/ (git-ignored).
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'], viewport: { width: 1280, height: 900 } } }],
});
