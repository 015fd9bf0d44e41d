/**
 * The esbuild bundles of lib/bin's entry points in dist/ (see lib/bin/launch.mjs). Plain JavaScript,
 * loaded by the launcher before any TypeScript is compiled, and by lib/bin/support/services.ts.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const ENTRIES = ['start', 'setup', 'web', 'worker', 'cli', 'migrate', 'build'];
const INPUTS = ['lib', 'tsconfig.json', 'package-lock.json'];

function walk(p, out) {
  if (!fs.existsSync(p)) return;
  if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p).sort()) walk(path.join(p, e), out);
  else out.push(p);
}

/**
 * SHA-256 of the files under `inputs` (paths relative to `root`, sorted), their names and contents.
 * Read through one reused buffer: a buffer per file would leave the launcher, which lives as long as
 * the app, holding ~15 MiB more (freed memory the allocator keeps).
 */
export function hashTree(root, inputs) {
  const files = [];
  for (const i of inputs) walk(path.join(root, i), files);
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 16);
  for (const f of files) {
    h.update(path.relative(root, f));
    const fd = fs.openSync(f, 'r');
    try {
      for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
    } finally {
      fs.closeSync(fd);
    }
  }
  return h.digest('hex');
}

const inputHash = (root) => hashTree(root, INPUTS);

/** Bundles lib/bin's entry points into dist/ unless dist/ holds a bundle of exactly these sources. */
export async function ensureDist(root = process.cwd(), say = (m) => console.log(m)) {
  const dist = path.join(root, 'dist');
  const stamp = path.join(dist, 'wr-source-hash');
  const hash = inputHash(root);
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash && ENTRIES.every((e) => fs.existsSync(path.join(dist, `${e}.js`)))) return;
  say('[launch] bundling lib/bin into dist/ (esbuild) — only when the sources changed');
  // Several processes may bundle at once (parallel CLI calls): each builds into a folder of its own
  // and renames the files into place, so a reader never sees half a file.
  const tmp = path.join(dist, `.tmp-${process.pid}-${Date.now()}`);
  fs.mkdirSync(tmp, { recursive: true });
  try {
    const esbuild = await import('esbuild').catch((e) => {
      throw new Error(`dist/ is out of date with the sources and esbuild is not installed (a development dependency: build before npm prune --omit=dev): ${e.message}`);
    });
    esbuild.buildSync({
      absWorkingDir: root,
      entryPoints: Object.fromEntries(ENTRIES.map((e) => [e, path.join(root, 'lib/bin', `${e}.ts`)])),
      outdir: tmp,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      // Modules imported with import() (the embedded database, only without DATABASE_URL) become
      // chunks of their own, so a process loads them (and the packages they import) only when used.
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
      jsx: 'automatic',
      tsconfig: path.join(root, 'tsconfig.json'),
      logLevel: 'warning',
    });
    // buildSync leaves esbuild's service process running for later calls: there are none.
    await esbuild.stop();
    // Chunks first (their names carry their hash), then the entries that import them.
    fs.mkdirSync(path.join(dist, 'chunks'), { recursive: true });
    if (fs.existsSync(path.join(tmp, 'chunks'))) for (const f of fs.readdirSync(path.join(tmp, 'chunks'))) fs.renameSync(path.join(tmp, 'chunks', f), path.join(dist, 'chunks', f));
    for (const f of fs.readdirSync(tmp)) if (f !== 'chunks') fs.renameSync(path.join(tmp, f), path.join(dist, f));
    fs.writeFileSync(`${stamp}.${process.pid}`, hash);
    fs.renameSync(`${stamp}.${process.pid}`, stamp);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
