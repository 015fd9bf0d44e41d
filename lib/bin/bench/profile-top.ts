/**
 * `npx tsx lib/bin/bench/profile-top.ts <file.cpuprofile> [n]`: the top frames of a V8 CPU profile
 * (from `node --cpu-prof`, e.g. the bench's web server with BENCH_SERVER_NODE_ARGS) by self time,
 * by area, and the inclusive time (self + synchronous callees) of the named frames of the server
 * chunks — our lib/ code and the packages bundled with it — the tables docs/benchmarks.md shows.
 * Build with WR_SERVER_MINIFY=0 (and a WR_DIST_DIR of its own) to keep function names readable.
 */
import fs from 'node:fs';

type Frame = { functionName: string; url: string; lineNumber: number };
type Node = { id: number; callFrame: Frame; children?: number[] };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

const [file, nArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: profile-top.ts <file.cpuprofile> [n]');
  process.exit(2);
}
const n = Number(nArg ?? 25);
const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((x) => [x.id, x]));
const parent = new Map<number, number>();
for (const x of p.nodes) for (const c of x.children ?? []) parent.set(c, x.id);

// Shares are of the busy time: samples in (idle) — the event loop waiting — are left out.
const selfUs = new Map<number, number>();
for (let i = 0; i < p.samples.length; i++) {
  const id = p.samples[i]!;
  if (byId.get(id)?.callFrame.functionName === '(idle)') continue;
  selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const where = (f: Frame) => {
  const u = f.url.replace(/^file:\/\//, '');
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (m) return m[1]!;
  if (!u) return '(native)';
  if (u.startsWith('node:')) return u;
  const ours = /(lib|app)\/[^?]*/.exec(u);
  if (ours) return ours[0];
  // Turbopack's server chunks hold our lib/ code together with the packages it bundles.
  if (/\[root-of-the-server\]|chunks\/ssr|chunks\/_/.test(u)) return 'app server chunks (lib/ and bundled packages)';
  return u.split('/').slice(-2).join('/');
};
const key = (f: Frame) => `${f.functionName || '(anonymous)'} — ${where(f)}${f.url && !f.url.startsWith('node:') ? `:${f.lineNumber + 1}` : ''}`;

// Self time by frame.
const self = new Map<string, number>();
for (const [id, us] of selfUs) {
  const k = key(byId.get(id)!.callFrame);
  self.set(k, (self.get(k) ?? 0) + us);
}
// Self time by package / area.
const area = new Map<string, number>();
for (const [id, us] of selfUs) {
  const f = byId.get(id)!.callFrame;
  const w = where(f);
  const a = /^(lib|app)\//.test(w) ? 'our code (lib/, app/)' : w.startsWith('node:') ? 'node: built-ins (JS)' : w;
  area.set(a, (area.get(a) ?? 0) + us);
}
// Inclusive time of our own frames (each sample counted once per frame key on its stack).
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const f = byId.get(cur)!.callFrame;
    const w = where(f);
    if (!(/^(lib|app)\//.test(w) || w.startsWith('app server chunks')) || !f.functionName) continue;
    const k = key(f);
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + us);
  }
}

const pct = (us: number) => `${((us / total) * 100).toFixed(1)}%`;
const table = (title: string, m: Map<string, number>, rows: number) => {
  console.log(`\n${title}\n\n| frame | share |\n| --- | ---: |`);
  for (const [k, us] of [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, rows)) console.log(`| ${k.replace(/\|/g, '\\|')} | ${pct(us)} |`);
};
console.log(`${file}: ${(total / 1000).toFixed(0)} ms busy (idle left out)`);
table('By area (self time)', area, 15);
table(`Top ${n} frames by self time`, self, n);
table('Named frames of the app server chunks (our lib/ code and the packages bundled with it), inclusive: self + synchronous callees', inclusive, 30);
