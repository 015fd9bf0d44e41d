/**
 * How the two services are started, in one place for the launcher (`npm start`, `npm run web`),
 * `npm test` and the bench: both are plain `node` on built output — the web server is Next's
 * production server (`next start` on the build in .next or WR_DIST_DIR), the worker the esbuild
 * bundle dist/worker.js (see lib/bin/launch.mjs). Nothing compiles TypeScript at run time.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * V8 flags of the web server's process. With V8's defaults (on a 24 GiB machine an old space of up to
 * ~4 GiB) a busy `next start` let its heap grow to 280–303 MiB of RSS and kept it, though what it
 * holds is a fraction of that. A 512 MiB old space makes V8 collect sooner: 161 MiB at the peak of the
 * same load (docs/benchmarks.md, "What changed", row 7), for ~0.1–0.3 ms more CPU per request (the old
 * space collected more often). Smaller limits kept less still and cost more; 512 MiB leaves room for
 * many times the live set. `WR_WEB_NODE_ARGS` replaces them (an empty value: V8's defaults).
 */
export const DEFAULT_WEB_NODE_ARGS = '--max-old-space-size=512';

function webNodeArgs(): string[] {
  return (process.env.WR_WEB_NODE_ARGS ?? DEFAULT_WEB_NODE_ARGS).split(/\s+/).filter(Boolean);
}

/** `node <args>` of the web server: `next start` (or `next dev`) on `port`; `nodeArgs` come after webNodeArgs(). */
export function webArgs(root: string, port: number, o: { dev?: boolean; host?: string; keepAliveTimeoutMs?: number; nodeArgs?: string[] } = {}): string[] {
  return [
    // `next dev` compiles on demand and needs more: V8's defaults there.
    ...(o.dev ? [] : webNodeArgs()),
    ...(o.nodeArgs ?? []),
    path.join(root, 'node_modules/next/dist/bin/next'),
    o.dev ? 'dev' : 'start',
    '-p',
    String(port),
    ...(o.host ? ['-H', o.host] : []),
    ...(o.keepAliveTimeoutMs ? ['--keepAliveTimeout', String(o.keepAliveTimeoutMs)] : []),
  ];
}

/** `node <args>` of a worker: the bundle dist/worker.js (call ensureDist first). */
export function workerArgs(root: string): string[] {
  return [path.join(root, 'dist', 'worker.js')];
}

/** Bundles lib/bin into dist/ when the sources changed (lib/bin/dist.mjs; loaded at run time, never bundled itself). */
export async function ensureDist(root: string, say?: (m: string) => void): Promise<void> {
  const launch = (await import(pathToFileURL(path.join(root, 'lib/bin/dist.mjs')).href)) as { ensureDist: (root: string, say?: (m: string) => void) => Promise<void> };
  await launch.ensureDist(root, say);
}
