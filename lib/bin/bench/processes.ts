/** The production web server and worker processes the bench drives. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { webArgs, workerArgs } from '../support/services';

export type Proc = { child: ChildProcess; output: () => string; exited: Promise<number | null>; stop: () => Promise<void> };

export function track(child: ChildProcess, keep = 200_000): Proc {
  let out = '';
  const add = (d: Buffer) => {
    out += d.toString();
    if (out.length > keep) out = out.slice(-keep);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The environment of a production web server on `port` against the database at `databaseUrl`. */
export function webServerEnv(databaseUrl: string, port: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    NEXTAUTH_SECRET: randomBytes(32).toString('base64url'),
    NEXTAUTH_URL: `http://127.0.0.1:${port}`,
    NEXT_TELEMETRY_DISABLED: '1',
    PORT: String(port),
  };
}

export async function startServer(root: string, env: NodeJS.ProcessEnv, port: number): Promise<Proc & { baseUrl: string }> {
  // BENCH_SERVER_NODE_ARGS: extra node flags for the web server, e.g. "--cpu-prof --cpu-prof-dir=bench-results/profiles".
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, webArgs(root, port, { host: '127.0.0.1', nodeArgs }), {
    cwd: root,
    env: { ...env, WR_SERVICE: 'web' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = track(child);
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the web server exited (${child.exitCode}):\n${proc.output().slice(-3000)}`);
    try {
      if ((await fetch(`${baseUrl}/api/v1/health`)).ok) return { ...proc, baseUrl };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await proc.stop();
  throw new Error(`the web server did not come up:\n${proc.output().slice(-3000)}`);
}

export function startWorker(root: string, env: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, workerArgs(root), {
    cwd: root,
    env: { ...env, WR_SKIP_MIGRATE: '1', WR_SERVICE: 'worker' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return track(child);
}

export async function waitForOutput(p: Proc, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pattern.test(p.output())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${pattern}:\n${p.output().slice(-2000)}`);
    if (p.child.exitCode !== null) throw new Error(`process exited (${p.child.exitCode}) before ${pattern}:\n${p.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
