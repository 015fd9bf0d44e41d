/**
 * A production web server of its own (`next start` on a free port, the build `npm test` made in
 * WR_DIST_DIR) against a database of its own, with its output captured — for the tests that break
 * the database under it or read its logs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { freePort } from '@/lib/bin/support/ports';

export type WebServer = { baseUrl: string; child: ChildProcess; output: () => string; stop: () => Promise<void> };

/**
 * `waitFor`: `health` (default) — /api/v1/health answers 200; `ready` — /api/v1/ready answers 200
 * (database reachable, migrations applied); `answer` — any HTTP answer (a server whose database is
 * unreachable or unmigrated).
 */
export async function startWebServer(
  databaseUrl: string,
  env: Record<string, string> = {},
  opts: { waitFor?: 'health' | 'ready' | 'answer' } = {},
): Promise<WebServer> {
  const waitFor = opts.waitFor ?? 'health';
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [path.resolve('node_modules/next/dist/bin/next'), 'start', '-p', String(port), '-H', '127.0.0.1'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      NEXTAUTH_URL: baseUrl,
      NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET ?? randomBytes(32).toString('base64url'),
      NEXT_TELEMETRY_DISABLED: '1',
      WR_SERVICE: 'web',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited (${child.exitCode}):\n${out.slice(-3000)}`);
    try {
      const res = await fetch(`${baseUrl}/api/v1/${waitFor === 'ready' ? 'ready' : 'health'}`);
      if (res.ok || waitFor === 'answer') break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`next start did not come up:\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { baseUrl, child, output: () => out, stop };
}
