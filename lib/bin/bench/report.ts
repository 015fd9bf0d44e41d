/** The bench's result: a console table, a JSON file under bench-results/, and the generated part of docs/benchmarks.md. */
import fs from 'node:fs';
import path from 'node:path';
import type { ExplainedQuery } from './explain';
import type { FloorRun } from './floor';
import type { HttpRun } from './http-load';
import type { PairsRun, TreeMember } from './pairs';
import { ms, ratio, type LatencySummary } from './stats';

export type DrainRun = {
  workers: number;
  executions: number;
  /** From the decisions' commit until none of them is paused any more. */
  allResumedSeconds: number;
  /** … until all of them completed (the rest of the workflow ran). */
  allCompletedSeconds: number;
  throughput: number;
  exactlyOnce: boolean;
  /** CPU milliseconds per execution, all workers together and PostgreSQL. */
  cpu?: { workersMsPerExecution: number; postgresMsPerExecution: number | null };
  check: { completed: number; resumedEventsNotOne: number; resumeCountNotOne: number; lastStepNotOnce: number };
};

export type PushRun = {
  decisions: number;
  connections: number;
  /** Client-side: approve request sent → the bench sees the execution no longer paused (polled every few ms). */
  observed: LatencySummary;
  /** Server-side: the decision's timestamp → the worker's resume timestamp (both written by the product). */
  recorded: LatencySummary;
  approveHttp: HttpRun;
};

export type Target = { name: string; limit: string; measured: string; met: boolean; basis: string };

export type BenchResult = {
  date: string;
  durationSeconds: number;
  machine: Record<string, string | number>;
  postgres: Record<string, string>;
  config: Record<string, unknown>;
  dataset: Record<string, number>;
  floor: FloorRun[];
  http: HttpRun[];
  push: PushRun | null;
  /** The pairs workload against `npm start`, at 1 and BENCH_CONNECTIONS clients. */
  pairs: PairsRun[];
  /** Resident memory of the `npm start` tree right after it came up (before the pairs). */
  idleMemory: { webWorkerMiB: number; treeMiB: number; tree: TreeMember[] } | null;
  drain: DrainRun[];
  targets: Target[];
  explain: ExplainedQuery[];
};

export const HEALTH_SCENARIO = 'overhead: GET /health (no auth, database check)';
export const ME_SCENARIO = 'overhead: GET /me (token lookup, no domain query)';

function floorFor(result: BenchResult, connections: number): FloorRun | undefined {
  return result.floor.find((f) => f.connections === connections);
}

export function httpTable(result: BenchResult): string {
  const rows = [
    '| scenario | conns | requests | req/s | p50 | p95 | p99 | p50 ÷ floor | p99 ÷ floor | req/s ÷ floor | errors | CPU/req web | CPU/req web ÷ GET /me | CPU/req pg | warm-up p50 (2 conns) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const f of result.floor) {
    rows.push(`| **floor**: the pause UPDATE via \`pg\` | ${f.connections} | ${f.requests} | ${f.throughput} | ${ms(f.latency.p50)} | ${ms(f.latency.p95)} | ${ms(f.latency.p99)} | 1× | 1× | 1× | 0 | – | – | – | – |`);
  }
  for (const r of result.http) {
    const f = floorFor(result, r.connections);
    const me = result.http.find((h) => h.scenario === ME_SCENARIO && h.connections === r.connections)?.cpu?.webMsPerRequest;
    const web = r.cpu?.webMsPerRequest;
    rows.push(
      `| ${r.scenario} | ${r.connections} | ${r.requests} | ${r.throughput} | ${ms(r.latency.p50)} | ${ms(r.latency.p95)} | ${ms(r.latency.p99)} | ${f ? ratio(r.latency.p50, f.latency.p50) : '–'} | ${f ? ratio(r.latency.p99, f.latency.p99) : '–'} | ${f ? ratio(r.throughput, f.throughput) : '–'} | ${r.errors} | ${ms(web)} | ${me && web != null ? `${(web / me).toFixed(2)}×` : '–'} | ${ms(r.cpu?.postgresMsPerRequest)} | ${r.connections === 1 && r.warmup ? ms(r.warmup.p50) : ''} |`,
    );
  }
  return rows.join('\n');
}

export function otherTables(result: BenchResult): string {
  const out: string[] = [];
  if (result.push) {
    const p = result.push;
    out.push(
      `**Decision → running** (push path: one worker LISTENs; ${p.decisions} approvals sent over ${p.connections} connections, ${p.approveHttp.throughput} req/s):`,
      '',
      '| measured as | n | p50 | p95 | p99 | max |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      `| client: approve sent → execution seen not paused | ${p.observed.n} | ${ms(p.observed.p50)} | ${ms(p.observed.p95)} | ${ms(p.observed.p99)} | ${ms(p.observed.max)} |`,
      `| server: approval decided_at → execution last_resumed_at | ${p.recorded.n} | ${ms(p.recorded.p50)} | ${ms(p.recorded.p95)} | ${ms(p.recorded.p99)} | ${ms(p.recorded.max)} |`,
      '',
    );
  }
  if (result.pairs.length) {
    const idle = result.idleMemory;
    out.push(
      '**Pairs** (against the `npm start` tree: trigger, poll until paused, resume, poll until finished; set → pause → set; each client one keep-alive connection; CPU from /proc):',
      '',
      '| clients | pairs | pairs/s | requests/pair | pair p50 | pair p99 | errors | CPU/pair web | worker | pg | server total | peak RSS web + worker | peak RSS tree without PostgreSQL |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...result.pairs.map(
        (p) =>
          `| ${p.clients} | ${p.pairs} | ${p.pairsPerSecond} | ${p.requestsPerPair} | ${ms(p.latency.p50)} | ${ms(p.latency.p99)} | ${p.errors} | ${ms(p.cpu.webMsPerPair)} | ${ms(p.cpu.workerMsPerPair)} | ${ms(p.cpu.postgresMsPerPair)} | ${ms(p.cpu.serverMsPerPair)} | ${p.memory.webWorkerPeakMiB} MiB | ${p.memory.treePeakMiB} MiB |`,
      ),
      '',
    );
    const peak = result.pairs[result.pairs.length - 1]!.memory.treeAtPeak;
    const show = (t: TreeMember[]) => t.map((m) => `${m.service || m.command.split(' ').slice(0, 3).join(' ')} ${m.rssMiB} MiB`).join('; ');
    if (idle) out.push(`Idle after start: web + worker ${idle.webWorkerMiB} MiB, tree ${idle.treeMiB} MiB (${show(idle.tree)}).`, '');
    out.push(`At the peak: ${show(peak)}.`, '');
  }
  if (result.drain.length) {
    out.push(
      '**Worker drain** (decided executions resumed by the sweep, WORKER_INTERVAL=1s, each runs four more steps):',
      '',
      '| workers | executions | all resumed | all completed | resumed/s | exactly once | CPU/execution workers | CPU/execution pg |',
      '| ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |',
      ...result.drain.map(
        (d) =>
          `| ${d.workers} | ${d.executions} | ${d.allResumedSeconds.toFixed(2)} s | ${d.allCompletedSeconds.toFixed(2)} s | ${d.throughput} | ${d.exactlyOnce ? 'yes' : `**no** ${JSON.stringify(d.check)}`} | ${ms(d.cpu?.workersMsPerExecution)} | ${ms(d.cpu?.postgresMsPerExecution)} |`,
      ),
      '',
    );
  }
  return out.join('\n');
}

export function targetTable(result: BenchResult): string {
  return [
    '| target | limit | measured | met | basis |',
    '| --- | ---: | ---: | :---: | --- |',
    ...result.targets.map((t) => `| ${t.name} | ${t.limit} | ${t.measured} | ${t.met ? 'yes' : '**no**'} | ${t.basis} |`),
  ].join('\n');
}

export function explainSection(result: BenchResult): string {
  const out = [
    '| operation | calls | statement | planning | execution |',
    '| --- | ---: | --- | ---: | ---: |',
    ...result.explain.map(
      (q) =>
        `| ${q.operation} | ${q.calls} | \`${q.sql.replace(/\s+/g, ' ').slice(0, 110).replace(/\|/g, '\\|')}${q.sql.length > 110 ? '…' : ''}\` | ${ms(q.planningMs)} | ${ms(q.executionMs)} |`,
    ),
    '',
    '<details><summary>Full plans (EXPLAIN (ANALYZE, BUFFERS), each in a rolled-back transaction)</summary>',
    '',
  ];
  for (const q of result.explain) {
    out.push(`#### ${q.operation} (${q.calls}×)`, '', '```sql', q.sql, '```', '', '```', q.plan, '```', '');
  }
  out.push('</details>');
  return out.join('\n');
}

export function consoleReport(result: BenchResult): string {
  return ['', httpTable(result), '', otherTables(result), targetTable(result), ''].join('\n');
}

export function writeJson(root: string, result: BenchResult): string {
  const dir = path.join(root, 'bench-results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `bench-${result.date.replace(/[:.]/g, '-')}.json`);
  const text = JSON.stringify(result, null, 2);
  fs.writeFileSync(file, text);
  fs.writeFileSync(path.join(dir, 'latest.json'), text);
  return file;
}

const BEGIN = '<!-- bench:begin (generated by npm run bench; everything up to bench:end is replaced on each run) -->';
const END = '<!-- bench:end -->';

/** Replaces the generated part of docs/benchmarks.md, keeping the hand-written notes around it. */
export function writeDoc(root: string, result: BenchResult): string {
  const file = path.join(root, 'docs', 'benchmarks.md');
  const machine = result.machine;
  const generated = [
    BEGIN,
    '',
    `## Latest run: ${result.date}`,
    '',
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memory}, ${machine.os}; Node ${machine.node}; ${result.postgres.version}.`,
    `Load average (1, 5, 15 min) when the run started: ${machine.loadAverageAtStart}; when it ended: ${machine.loadAverageAtEnd} (the machine is shared: anything above 0 is other work competing for the two cores).`,
    `PostgreSQL settings: ${Object.entries(result.postgres)
      .filter(([k]) => k !== 'version')
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}.`,
    `Data set: ${Object.entries(result.dataset)
      .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
      .join(', ')}. The whole run took ${Math.round(result.durationSeconds)} s.`,
    '',
    '### Against the targets',
    '',
    targetTable(result),
    '',
    '### HTTP (production build, keep-alive, autocannon) and the floor',
    '',
    httpTable(result),
    '',
    otherTables(result),
    '### Query plans of the hot statements',
    '',
    explainSection(result),
    '',
    '### Raw JSON',
    '',
    '<details><summary>bench-results/latest.json of this run (plans omitted: they are above)</summary>',
    '',
    '```json',
    JSON.stringify({ ...result, explain: result.explain.map((q) => ({ operation: q.operation, calls: q.calls, executionMs: q.executionMs, planningMs: q.planningMs })) }, null, 2),
    '```',
    '',
    '</details>',
    '',
    END,
  ].join('\n');
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n\n';
  const b = text.indexOf(BEGIN.slice(0, 20));
  const e = text.indexOf(END);
  if (b >= 0 && e > b) text = text.slice(0, b) + generated + text.slice(e + END.length);
  else text = `${text.trimEnd()}\n\n${generated}\n`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}
