/**
 * The npm scripts' entry: `node lib/bin/launch.mjs <start|web|worker|cli|migrate> [args…]`.
 *
 * Plain JavaScript, so that nothing compiles TypeScript at run time: the entry points under lib/bin
 * are bundled with esbuild into dist/<name>.js (the product code bundled, node_modules left as they
 * are) whenever lib/, tsconfig.json or package-lock.json changed since the last bundle, and the
 * requested one is then loaded into this same process. `npm start` is therefore npm, its shell and
 * one node process (this one: the launcher), which starts the web server (`next start`) and the
 * worker (`node dist/worker.js`) as its two children.
 *
 * `node lib/bin/launch.mjs --build` only bundles; `npm run build` is `launch.mjs build` (bundles, then next build).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ENTRIES, ensureDist } from './dist.mjs';

const [entry, ...rest] = process.argv.slice(2);
const root = process.cwd();
if (entry === '--build') {
  await ensureDist(root);
} else if (ENTRIES.includes(entry ?? '')) {
  await ensureDist(root);
  // The entry sees its own arguments as if it had been started directly.
  process.argv = [process.argv[0], path.join(root, 'dist', `${entry}.js`), ...rest];
  await import(pathToFileURL(path.join(root, 'dist', `${entry}.js`)).href);
} else {
  console.error(`usage: node lib/bin/launch.mjs <${ENTRIES.join('|')}|--build> [args…]`);
  process.exit(2);
}
