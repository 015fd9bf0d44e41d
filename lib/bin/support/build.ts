import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { hashTree } from '../dist.mjs';

const SOURCES = ['app', 'components', 'lib', 'proxy.ts', 'instrumentation.ts', 'next.config.mjs', 'postcss.config.mjs', 'tsconfig.json', 'package-lock.json'];
const distDir = () => process.env.WR_DIST_DIR ?? '.next';

export function sourceHash(root: string): string {
  return hashTree(root, SOURCES);
}

/** Builds the production app unless .next holds a build of exactly these sources. */
export function ensureBuild(root: string, say: (m: string) => void = console.log, o: { force?: boolean } = {}): void {
  const hash = sourceHash(root);
  const stamp = path.join(root, distDir(), 'wr-source-hash');
  if (!o.force && fs.existsSync(path.join(root, distDir(), 'BUILD_ID')) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) return;
  say('building the app (next build) — only when the sources changed');
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules/next/dist/bin/next'), 'build'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (r.status !== 0) throw new Error('next build failed');
  fs.writeFileSync(stamp, hash);
}
