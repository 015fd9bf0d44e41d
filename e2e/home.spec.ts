import { expect, test } from '@playwright/test';

test('the home page renders in Chromium', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Workflow Resumer' })).toBeVisible();
});
