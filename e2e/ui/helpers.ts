/**
 * Shared set-up for the console's Playwright specs. `npm test` starts the server and hands over its
 * database (DATABASE_URL); tests create their own users, workflows and executions there with the
 * domain functions — unique names every time, since vitest ran against the same database first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect, type Page } from '@playwright/test';
import { createUser } from '@/lib/core/access/users';
import { userActor, type Role } from '@/lib/core/access/permissions';
import { startExecution } from '@/lib/core/executions/start-execution';
import { createWorkflow, type CreateWorkflowInput } from '@/lib/core/workflows/workflows';
import { HIGH_VALUE_ORDER_WORKFLOW } from '@/lib/seed/demo-data';
import { createDb, type Db } from '@/lib/db/client';

export const ARTIFACTS = path.join(process.cwd(), 'e2e', 'artifacts');

let handle: ReturnType<typeof createDb> | null = null;
export function db(): Db {
  const url = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('run the console tests with `npm test -- playwright` (it provides DATABASE_URL)');
  handle ??= createDb(url, 4);
  return handle.db;
}
export async function closeDb() {
  await handle?.pool.end();
  handle = null;
}

export function uniq(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export type TestUser = { email: string; password: string; role: Role; name: string };

export async function makeUser(role: Role, name?: string): Promise<TestUser> {
  const email = `${uniq(role)}@example.com`;
  const password = `${role}-pass-${randomBytes(4).toString('hex')}`;
  const display = name ?? `${role[0]!.toUpperCase()}${role.slice(1)} ${email.slice(role.length + 1, role.length + 5)}`;
  await createUser(db(), { email, role, password, name: display });
  return { email, password, role, name: display };
}

export const actorOf = (u: TestUser) => userActor({ email: u.email, name: u.name, role: u.role });

/** The demo's high-value order flow under a fresh key: orders over 10,000 wait for one approval. */
export async function makeOrderWorkflow(name = 'High-value order approval'): Promise<{ key: string; name: string }> {
  const key = uniq('orders');
  // The demo's flow (lib/seed/demo-data.ts), under a key and name of this test's own.
  const input: CreateWorkflowInput = { ...HIGH_VALUE_ORDER_WORKFLOW, key, name } as CreateWorkflowInput;
  await createWorkflow(db(), input);
  return { key, name };
}

/** A workflow whose first step pauses with the given reason (an approval step, or a callback pause). */
export async function makePauseWorkflow(opts: { reason: string; kind?: 'approval' | 'callback'; requiredApprovals?: number; name?: string }) {
  const key = uniq('pause');
  const first =
    opts.kind === 'callback'
      ? { id: 'wait-for-callback', type: 'pause' as const, reason: opts.reason, next: 'finish' }
      : { id: 'approve', type: 'approval' as const, reason: opts.reason, required_approvals: opts.requiredApprovals ?? 1, on_approve: 'finish' };
  await createWorkflow(db(), {
    key,
    name: opts.name ?? `Pause test ${key.slice(-4)}`,
    definition: { steps: [first, { id: 'finish', type: 'action', action: { type: 'set', values: { finished: true } } }] },
  });
  return { key, name: opts.name ?? `Pause test ${key.slice(-4)}` };
}

export async function startAs(user: TestUser, workflowKey: string, payload: Record<string, unknown>, opts: { pausedAt?: Date } = {}) {
  const at = opts.pausedAt;
  const e = await startExecution(db(), actorOf(user), { workflow_id: workflowKey, trigger_payload: payload }, at ? { now: () => at } : {});
  return e;
}

/** Signs in through the form, as a person does. */
export async function signInWithForm(page: Page, user: { email: string; password: string }, path = '/') {
  await page.goto(`/signin?callbackUrl=${encodeURIComponent(path)}`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('whoami')).toContainText(user.email);
}

/**
 * Signs in with next-auth's own endpoints (the same requests the form makes), then opens `path`:
 * the session cookie lands in the page's context. Quicker than the form for tests about other things.
 */
export async function signIn(page: Page, user: { email: string; password: string }, path = '/') {
  const { csrfToken } = (await (await page.request.get('/api/auth/csrf')).json()) as { csrfToken: string };
  const res = await page.request.post('/api/auth/callback/credentials', {
    form: { csrfToken, email: user.email, password: user.password, json: 'true' },
  });
  expect(res.ok(), await res.text()).toBe(true);
  await page.goto(path);
  await expect(page.getByTestId('whoami')).toContainText(user.email);
}

export function inboxRow(page: Page, executionId: string) {
  return page.locator(`[data-testid="inbox-row"][data-execution-id="${executionId}"]`);
}

/** The real worker process (`lib/bin/worker.ts`) on the test database, sweeping every second. */
export async function startWorker(): Promise<{ stop: () => Promise<void>; output: () => string }> {
  let out = '';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'lib/bin/worker.ts'], {
    cwd: process.cwd(),
    env: { ...process.env, WORKER_INTERVAL: '1s', WR_SKIP_MIGRATE: '1', WR_SERVICE: 'worker', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  await expect.poll(() => /Starting workflow resumer worker/.test(out) || child.exitCode !== null, { timeout: 20_000 }).toBe(true);
  if (child.exitCode !== null) throw new Error(`the worker exited at once:\n${out}`);
  return {
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

export async function saveScreenshot(page: Page, name: string) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // Bounded: Chromium has been seen never to answer a capture (after "fonts loaded"), and the
  // test's own timeout would then hold the run for minutes before saying so.
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true, timeout: 30_000 });
}
