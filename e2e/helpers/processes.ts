import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export type Proc = { child: ChildProcess; output: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> };

/** Starts `npm run worker`'s entry point as a real process against the given database. */
export function spawnWorker(databaseUrl: string, env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('lib/bin/worker.ts')], {
    env: { ...process.env, DATABASE_URL: databaseUrl, WR_SKIP_MIGRATE: '1', WORKER_INTERVAL: '1s', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => out, exited };
}

export async function waitForOutput(p: Proc, pattern: RegExp, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pattern.test(p.output())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${pattern} in:\n${p.output().slice(-2000)}`);
    if (p.child.exitCode !== null) throw new Error(`process exited (${p.child.exitCode}) before ${pattern}:\n${p.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
