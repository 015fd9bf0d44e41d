import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const SOURCES = ['app', 'components', 'lib', 'proxy.ts', 'instrumentation.ts', 'next.config.mjs', 'postcss.config.mjs', 'tsconfig.json', 'package-lock.json'];
const distDir = () => process.env.WR_DIST_DIR ?? '.next';

function walk(p: string, out: string[]) {
  if (!fs.existsSync(p)) return;
  const st = fs.statSync(p);
  if (st.isDirectory()) for (const e of fs.readdirSync(p).sort()) walk(path.join(p, e), out);
  else out.push(p);
}

export function sourceHash(root: string): string {
  const files: string[] = [];
  for (const s of SOURCES) walk(path.join(root, s), files);
  const h = createHash('sha256');
  for (const f of files) h.update(path.relative(root, f)).update(fs.readFileSync(f));
  return h.digest('hex');
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
