/**
 * How the two services are started, in one place for the launcher (`npm start`, `npm run web`),
 * `npm test` and the bench: both are plain `node` on built output — the web server is Next's
 * production server (`next start` on the build in .next or WR_DIST_DIR), the worker the esbuild
 * bundle dist/worker.js (see lib/bin/launch.mjs). Nothing compiles TypeScript at run time.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** `node <args>` of the web server: `next start` (or `next dev`) on `port`. */
export function webArgs(root: string, port: number, o: { dev?: boolean; host?: string; keepAliveTimeoutMs?: number; nodeArgs?: string[] } = {}): string[] {
  return [
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
