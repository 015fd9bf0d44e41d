/** Child processes in tests: the worker, TypeScript entry points, bundles of them. */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';

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

// import.meta.dirname, not __dirname: Playwright loads this file as an ES module (package.json "type": "module").
export const ROOT = path.resolve(import.meta.dirname, '../..');

export type ChildResult = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

/** Runs a TypeScript entry point the way npm scripts do (node --import tsx), collecting its output. */
export function runTs(script: string, args: string[], opts: RunOptions = {}): Promise<ChildResult> {
  return runNode(['--import', 'tsx', path.join(ROOT, script), ...args], opts);
}

type RunOptions = {
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
  /** Sees stdout as it arrives, with the child (to kill it or write to its stdin). */
  onStdout?: (chunk: string, child: ChildProcessWithoutNullStreams) => void;
  /** Leave stdin open (the caller writes to it from onStdout) instead of sending `input` and closing it. */
  keepStdinOpen?: boolean;
};

/** Runs `node …args` in the repository root, collecting its output. */
export function runNode(nodeArgs: string[], opts: RunOptions = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs, {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      opts.onStdout?.(c, child);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (!opts.keepStdinOpen) child.stdin.end(opts.input ?? '');
  });
}

/**
 * Bundles a TypeScript entry point (and the product code it imports) into one ESM file with esbuild,
 * the compiler tsx itself uses. A bundle starts in a fraction of the time tsx needs to load the same
 * modules one by one, which matters for tests that start many processes.
 */
export async function bundleTs(script: string): Promise<{ file: string; remove: () => void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wr-bundle-'));
  const file = path.join(dir, `${path.basename(script, '.ts')}.mjs`);
  await build({
    entryPoints: [path.join(ROOT, script)],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    // CommonJS dependencies (pg, pino) call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __wrCreateRequire } from 'node:module'; const require = __wrCreateRequire(import.meta.url);" },
  });
  return { file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
