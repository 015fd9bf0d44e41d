/**
 * Which Chromium the Playwright suite drives, so that `npm install && npm test` needs nothing but
 * Node: the first that exists of
 *
 *   1. CHROMIUM_PATH (must exist when set),
 *   2. Playwright's own downloaded browser (`npx playwright install chromium`),
 *   3. the Chromium shipped inside the npm package @sparticuz/chromium (a dev dependency): a brotli
 *      archive unpacked once into node_modules/.cache/wr-chromium/<version>/,
 *   4. the system's `chromium` (or `chromium-browser`, `google-chrome`) on PATH.
 *
 * lib/bin/test.ts resolves it before starting Playwright; e2e/ui/global-setup.ts does the same when
 * Playwright is started on its own. Both hand the answer to playwright.config.ts (in every worker
 * process) through environment variables: CHROMIUM_PATH and WR_CHROMIUM_ARGS (a JSON array).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The project's flags: quiet, no network chatter, and no sandbox (CI containers run as root). */
export const PROJECT_CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export type ResolvedChromium = {
  source: 'CHROMIUM_PATH' | 'playwright' | 'npm:@sparticuz/chromium' | 'system';
  executablePath: string;
  args: string[];
  /** Set for the browser process (and inherited by Playwright's workers). */
  env: Record<string, string>;
};

/**
 * Flags of @sparticuz/chromium's recommended list that this suite must not take: it is tuned for
 * AWS Lambda. `--single-process` breaks several browser contexts side by side; the web-security
 * switches would hide exactly the origin and CSP behaviour the tests check; Playwright sets headless
 * mode itself; the GL flags fight the project's `--disable-gpu`.
 */
const SPARTICUZ_ARGS_REFUSED = [
  '--single-process',
  '--disable-web-security',
  '--allow-running-insecure-content',
  '--disable-site-isolation-trials',
  '--headless',
  '--use-gl',
  '--use-angle',
  '--enable-unsafe-swiftshader',
  '--ignore-gpu-blocklist',
  '--disable-webgl',
  '--enable-features',
  '--disable-features',
];

const flagName = (a: string) => a.split('=')[0]!;

/** The project's flags first, then the package's that are safe here; one of each flag name. */
export function mergeChromiumArgs(project: string[], extra: string[]): string[] {
  const seen = new Set(project.map(flagName));
  const out = [...project];
  for (const a of extra) {
    const name = flagName(a);
    if (seen.has(name) || SPARTICUZ_ARGS_REFUSED.includes(name)) continue;
    seen.add(name);
    out.push(a);
  }
  return out;
}

function onPath(names: string[]): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const n of names) {
      const p = path.join(dir, n);
      try {
        fs.accessSync(p, fs.constants.X_OK);
        return p;
      } catch {
        // not here
      }
    }
  }
  return null;
}

function playwrightBrowser(root: string): string | null {
  try {
    const req = createRequire(path.join(root, 'package.json'));
    const { chromium } = req('playwright-core') as typeof import('playwright-core');
    const p = chromium.executablePath();
    return p && fs.existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

/** Libraries the packaged binary links besides libc; bundled for Amazon Linux, used only when the system lacks one. */
const LINKED_LIBS = ['libnss3.so', 'libnssutil3.so', 'libnspr4.so', 'libexpat.so.1'];

/** A library file that is there and not empty (a bind-mounted /dev/null hides one, as the proof run does). */
function usable(file: string): boolean {
  try {
    return fs.statSync(file).size > 0;
  } catch {
    return false;
  }
}

function systemHasLibs(): boolean {
  let cache = '';
  try {
    cache = execFileSync('ldconfig', ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    // no ldconfig to ask: look in the usual places below
  }
  return LINKED_LIBS.every((lib) => {
    const listed = [...cache.matchAll(new RegExp(`^\\s*${lib.replace(/\./g, '\\.')} \\(.*x86-64.*\\) => (\\S+)$`, 'gm'))].map((m) => m[1]!);
    const guesses = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/lib64', '/usr/lib'].map((d) => path.join(d, lib));
    return [...listed, ...guesses].some(usable);
  });
}

/**
 * Unpacks @sparticuz/chromium's archives into node_modules/.cache/wr-chromium/<version>/ once.
 * The package unpacks into os.tmpdir(), which is shared by every checkout on the machine and
 * answers "already there" while another process is still writing the binary; so it unpacks into a
 * private staging folder (TMPDIR pointed at it for the call) that is renamed into place whole.
 */
async function packagedChromium(root: string): Promise<ResolvedChromium | null> {
  if (process.platform !== 'linux' || process.arch !== 'x64') return null;
  const req = createRequire(path.join(root, 'package.json'));
  let pkgDir: string;
  try {
    // Its exports map hides package.json: find the entry point (build/index.js) and go up.
    pkgDir = path.resolve(path.dirname(req.resolve('@sparticuz/chromium')), '..');
  } catch {
    return null;
  }
  const version = (JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  const cacheRoot = path.join(root, 'node_modules', '.cache', 'wr-chromium');
  const dir = path.join(cacheRoot, version);
  const mod = (await import(path.join(pkgDir, 'build', 'index.js'))) as typeof import('@sparticuz/chromium');
  const Chromium = mod.default;

  if (!fs.existsSync(path.join(dir, '.complete'))) {
    fs.mkdirSync(cacheRoot, { recursive: true });
    const staging = fs.mkdtempSync(path.join(cacheRoot, `${version}.unpacking-`));
    fs.chmodSync(staging, 0o755);
    const savedTmp = process.env.TMPDIR;
    try {
      process.env.TMPDIR = staging;
      await Chromium.executablePath(path.join(pkgDir, 'bin'));
      await mod.inflate(path.join(pkgDir, 'bin', 'al2023.tar.br'));
      // The bundled fonts plus the system's, so text renders on a machine without any fonts too.
      fs.writeFileSync(
        path.join(staging, 'fonts', 'fonts.conf'),
        `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n  <dir>${path.join(dir, 'fonts')}</dir>\n  <cachedir>${path.join(dir, 'fonts-cache')}</cachedir>\n</fontconfig>\n`,
      );
      fs.writeFileSync(path.join(staging, '.complete'), `${version}\n`);
    } finally {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
    }
    try {
      fs.renameSync(staging, dir);
    } catch {
      // Another run finished first: use its copy.
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }

  const env: Record<string, string> = { FONTCONFIG_PATH: path.join(dir, 'fonts') };
  if (!systemHasLibs()) env.LD_LIBRARY_PATH = [path.join(dir, 'al2023', 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return { source: 'npm:@sparticuz/chromium', executablePath: path.join(dir, 'chromium'), args: mergeChromiumArgs(PROJECT_CHROMIUM_ARGS, Chromium.args), env };
}

export async function resolveChromium(root = process.cwd()): Promise<ResolvedChromium> {
  const given = process.env.CHROMIUM_PATH;
  if (given) {
    if (!fs.existsSync(given)) throw new Error(`CHROMIUM_PATH=${given} does not exist`);
    return { source: 'CHROMIUM_PATH', executablePath: given, args: PROJECT_CHROMIUM_ARGS, env: {} };
  }
  const own = playwrightBrowser(root);
  if (own) return { source: 'playwright', executablePath: own, args: PROJECT_CHROMIUM_ARGS, env: {} };
  const packaged = await packagedChromium(root);
  if (packaged) return packaged;
  const system = onPath(['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']);
  if (system) return { source: 'system', executablePath: system, args: PROJECT_CHROMIUM_ARGS, env: {} };
  throw new Error('no Chromium found: set CHROMIUM_PATH, run `npx playwright install chromium`, or `npm install` (it brings @sparticuz/chromium)');
}

/** The resolved browser as environment variables for Playwright and its workers. */
export function chromiumEnv(b: ResolvedChromium): Record<string, string> {
  return { ...b.env, CHROMIUM_PATH: b.executablePath, WR_CHROMIUM_ARGS: JSON.stringify(b.args), WR_CHROMIUM_SOURCE: b.source };
}

/** For playwright.config.ts: the flags chosen by resolveChromium, or the project's own. */
export function chromiumArgsFromEnv(): string[] {
  try {
    const parsed: unknown = JSON.parse(process.env.WR_CHROMIUM_ARGS ?? '');
    if (Array.isArray(parsed) && parsed.every((a) => typeof a === 'string')) return parsed;
  } catch {
    // not set
  }
  return PROJECT_CHROMIUM_ARGS;
}
