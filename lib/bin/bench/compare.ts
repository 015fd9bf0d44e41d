/**
 * `npx tsx lib/bin/bench/compare.ts <bench-a.json> [bench-b.json …]`: the hand-kept tables of
 * docs/benchmarks.md from full runs' JSON (bench-results/bench-<date>.json) — the targets side by
 * side (one column per run, e.g. embedded PostgreSQL 18 and the PostgreSQL at DATABASE_URL), and one
 * row per run of the headline p50 figures.
 */
import fs from 'node:fs';
import type { BenchResult } from './report';
import { ms } from './stats';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: compare.ts <bench.json> [more.json …]');
  process.exit(2);
}
const runs = files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as BenchResult);
const label = (r: BenchResult) => `${String(r.postgres.version).replace(/^PostgreSQL ([\d.]+).*$/, 'PostgreSQL $1')}`;

const names = [...new Set(runs.flatMap((r) => r.targets.map((t) => t.name)))];
console.log(`| target | limit | ${runs.map((r) => `${label(r)} | met`).join(' | ')} |`);
console.log(`| --- | ---: | ${runs.map(() => '---: | :---:').join(' | ')} |`);
for (const n of names) {
  const ts = runs.map((r) => r.targets.find((t) => t.name === n));
  const limit = ts.find(Boolean)!.limit;
  console.log(`| ${n} | ${limit} | ${ts.map((t) => (t ? `${t.measured} | ${t.met ? 'yes' : '**no**'}` : '– | –')).join(' | ')} |`);
}

const p50 = (r: BenchResult, scenario: (s: string) => boolean) => {
  const h = r.http.find((x) => scenario(x.scenario) && x.connections === 1);
  return h ? ms(h.latency.p50) : '–';
};
console.log('');
console.log('| run ended (UTC) | server | load avg start → end | list first page | list deep | inbox | start | get | pause | resume | approve | pairs/s 1 → 8 clients | drain, 4 workers |');
console.log('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of runs) {
  const d4 = r.drain.find((d) => d.workers === 4);
  const pairs = r.pairs.map((p) => p.pairsPerSecond).join(' → ') || '–';
  console.log(
    `| ${r.date.slice(0, 16).replace('T', ' ')} | ${label(r)} | ${String(r.machine.loadAverageAtStart).split(' ')[0]} → ${String(r.machine.loadAverageAtEnd).split(' ')[0]} | ${p50(r, (s) => s.includes('first page'))} | ${p50(r, (s) => s.includes('deep cursor'))} | ${p50(r, (s) => s.startsWith('approvals inbox'))} | ${p50(r, (s) => s.startsWith('start'))} | ${p50(r, (s) => s.startsWith('get an execution'))} | ${p50(r, (s) => s === 'pause')} | ${p50(r, (s) => s.startsWith('resume'))} | ${p50(r, (s) => s === 'approve')} | ${pairs} | ${d4 ? `${d4.allResumedSeconds.toFixed(2)} s` : '–'} |`,
  );
}
if (runs.length === 2) {
  const ratio = (s: (x: string) => boolean) => {
    const a = runs[0]!.http.find((x) => s(x.scenario) && x.connections === 1);
    const b = runs[1]!.http.find((x) => s(x.scenario) && x.connections === 1);
    return a && b ? `${(b.latency.p50 / a.latency.p50).toFixed(2)}×` : '–';
  };
  console.log(`\n${label(runs[1]!)} ÷ ${label(runs[0]!)}, p50 at 1 connection: list ${ratio((s) => s.includes('first page'))}, pause ${ratio((s) => s === 'pause')}, resume ${ratio((s) => s.startsWith('resume'))}.`);
}
