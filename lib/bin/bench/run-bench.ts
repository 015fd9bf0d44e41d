/**
 * `npm run bench`: the product under load, against the targets of docs/benchmarks.md.
 *
 * Starts its own embedded PostgreSQL (or, with DATABASE_URL, creates and later drops a database of
 * its own there), generates the data set in SQL, builds the app into WR_DIST_DIR (default
 * .next-bench) when the sources changed, starts `next start`, and measures over HTTP with
 * keep-alive connections (autocannon):
 *   the floor (the pause UPDATE sent straight with pg), GET /health and GET /me (the overhead),
 *   list paused (first page, deep cursor), the approvals inbox, start an execution (set → pause),
 *   get an execution, pause, resume (runs the rest of a five-step workflow), approve, decision →
 *   running (push path, one worker LISTENing); then the pairs workload (trigger, poll, resume, poll)
 *   at 1 and 8 clients against the process tree `npm start` runs, with its memory; and the worker
 *   drain with 1, 2 and 4 worker processes. Every route's web CPU per request is also given as a
 *   multiple of GET /me's in the same run.
 * Prints a table, writes bench-results/bench-<date>.json (+ latest.json) and the generated part of
 * docs/benchmarks.md. Sizes: see lib/bin/bench/config.ts (BENCH_EXECUTIONS, BENCH_PAUSED, …).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createApiToken } from '../../core/access/api-tokens';
import { ROLE_PERMISSIONS, tokenActor, userActor } from '../../core/access/permissions';
import { createUser } from '../../core/access/users';
import { createWorkflow, ZCreateWorkflow } from '../../core/workflows/workflows';
import { encodeCursor } from '../../core/pagination';
import { createDb } from '../../db/client';
import { runMigrations } from '../../db/migrate';
import { ensureBuild } from '../support/build';
import { ensureDist } from '../support/services';
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedDb } from '../support/embedded-postgres';
import { freePort } from '../support/ports';
import { benchConfig } from './config';
import { createBenchWorkflows, executionsOfApprovals, generateDataset, loadPools, type Pools } from './dataset';
import { cpuSampler, postgresCpu, postgresCpuSince, processCpuMs } from './cpu';
import { explainHotQueries, type ExplainedQuery } from './explain';
import { runFloor, type FloorRun } from './floor';
import { idPool, runHttp, type HttpRun, type HttpSpec } from './http-load';
import { startServer, startWorker, waitForOutput, webServerEnv, type Proc } from './processes';
import { consoleReport, HEALTH_SCENARIO, ME_SCENARIO, writeDoc, writeJson, type BenchResult, type DrainRun, type PushRun, type Target } from './report';
import { PAIRS_WORKFLOW, runPairs, startNpmStart, treeMembers, type PairsRun } from './pairs';
import { ms, summarize } from './stats';

// BENCH_SMALL=1: the small side-by-side measurement of lib/bin/bench/small.ts instead of the full run.
if (process.env.BENCH_SMALL === '1') {
  const { runSmallBench } = await import('./small');
  process.exit(await runSmallBench().catch((e: unknown) => (console.error(`[bench small] failed: ${(e as Error).stack ?? String(e)}`), 1)));
}

const root = process.cwd();
process.env.WR_DIST_DIR ??= '.next-bench';
const started = Date.now();
const loadAtStart = os.loadavg().map((x) => x.toFixed(2)).join(' ');
const say = (m: string) => console.log(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${m}`);
const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

const cfg = benchConfig();
const isFullRun = () => !Object.keys(process.env).some((k) => k.startsWith('BENCH_') && k !== 'BENCH_WRITE_DOC');
const runId = `wr_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

let embedded: EmbeddedDb | null = null;
let tmpDir: string | null = null;
let adminUrl = '';
const procs: Proc[] = [];
let postmasterPid: number | null = null;

async function cleanup() {
  for (const p of procs) await p.stop().catch(() => undefined);
  if (adminUrl && !embedded) {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`drop database if exists ${c.escapeIdentifier(runId)} with (force)`).catch(() => undefined);
    await c.end();
  }
  if (embedded) await embedded.stop().catch(() => undefined);
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
}

// Last resort when a signal cuts the cleanup short: never leave the temporary data folder behind.
process.on('exit', () => {
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    say(`${sig}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

async function main() {
  say(`config: ${JSON.stringify({ ...cfg, only: [...cfg.only], pools: undefined })}`);
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
    say(`using the PostgreSQL at DATABASE_URL, database ${runId} (dropped afterwards)`);
  } else {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wr-bench-'));
    fs.chmodSync(tmpDir, 0o755);
    const port = await freePort();
    say(`starting embedded PostgreSQL on port ${port} in ${tmpDir}`);
    embedded = await startEmbeddedPostgres({ dataDir: path.join(tmpDir, 'pg'), port, persistent: false, log: say });
    adminUrl = embedded.adminUrl;
  }
  const url = await ensureDatabase(adminUrl, runId);
  await runMigrations(url);

  const handle = createDb(url, 4);
  const db = handle.db;
  const admin = new pg.Client({ connectionString: url });
  admin.on('error', (e) => say(`bench connection lost: ${e.message}`));
  await admin.connect();
  postmasterPid = backendParent((admin as unknown as { processID: number }).processID);
  const q = async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => (await admin.query<T>(text, values)).rows;

  try {
    // ---- data set
    say(`generating ${cfg.executions.toLocaleString('en-US')} executions, ${cfg.paused.toLocaleString('en-US')} paused`);
    const wf = await createBenchWorkflows(db);
    await createWorkflow(db, ZCreateWorkflow.parse(PAIRS_WORKFLOW));
    await generateDataset(admin, cfg, wf, say);
    const pools: Pools = await loadPools(admin, cfg);
    const dataset = Object.fromEntries(
      (
        await q<{ name: string; n: number }>(
          `select 'executions' as name, count(*)::int as n from workflow_executions
           union all select 'paused', count(*)::int from workflow_executions where status = 'paused'
           union all select 'workflows', count(*)::int from workflows
           union all select 'events', count(*)::int from execution_events
           union all select 'approval requests', count(*)::int from approval_requests`,
        )
      ).map((r) => [r.name, r.n]),
    ) as Record<string, number>;
    say(`data set: ${JSON.stringify(dataset)}`);

    // ---- tokens: an operator (pause, resume, list) and an approver acting as a user of that role
    const password = randomBytes(12).toString('base64url');
    await createUser(db, { email: 'bench-approver@example.com', role: 'approver', password });
    const operatorToken = (await createApiToken(db, { name: 'bench-operator', permissions: [...ROLE_PERMISSIONS.operator] })).token;
    const approverToken = (await createApiToken(db, { name: 'bench-approver', permissions: [...ROLE_PERMISSIONS.approver], userEmail: 'bench-approver@example.com' })).token;
    const operator = tokenActor({ name: 'bench-operator', permissions: [...ROLE_PERMISSIONS.operator] });
    const approver = userActor({ email: 'bench-approver@example.com', name: 'bench-approver', role: 'approver' });

    // A cursor 90% of the way through the paused executions (oldest first).
    const [deep] = await q<{ paused_at: Date; id: string }>(
      `select paused_at, id from workflow_executions where status = 'paused' order by paused_at, id offset $1 limit 1`,
      [Math.floor(cfg.paused * 0.9)],
    );
    const deepCursor = encodeCursor([deep!.paused_at.toISOString(), deep!.id]);

    // ---- query plans (before the server starts, so nothing else runs)
    const want = (part: string) => cfg.only.has(part);
    say('EXPLAIN ANALYZE of the hot statements');
    const explain: ExplainedQuery[] = !want('explain') ? [] : await explainHotQueries({
      url,
      token: operatorToken,
      operator,
      approver,
      ids: { pause: pools.explain.pause[0]!, resume: pools.explain.resume[0]!, approve: pools.explain.approve[0]!, workerApprovals: pools.explain.worker.slice(0, 10) },
      deepCursor,
    });
    for (const x of explain) say(`  ${x.operation}: ${ms(x.executionMs)} ${x.sql.replace(/\s+/g, ' ').slice(0, 90)}`);

    // ---- floor
    const floorPool = idPool('floor', pools.floor);
    const floor: FloorRun[] = [];
    if (want('floor')) await runFloor(url, floorPool, 1, Math.min(200, cfg.warmupRequests));
    for (const c of want('floor') ? [1, cfg.connections] : []) {
      const r = await runFloor(url, floorPool, c, c === 1 ? cfg.latencyRequests : cfg.loadRequests);
      say(`floor c=${c}: p50 ${ms(r.latency.p50)} p95 ${ms(r.latency.p95)} p99 ${ms(r.latency.p99)} ${r.throughput} req/s`);
      floor.push(r);
    }

    if (process.env.BENCH_HOLD) {
      // For poking at the data set by hand: keep everything up until Ctrl-C.
      say(`holding: the data set is at ${url}; Ctrl-C ends the run`);
      await new Promise(() => undefined);
    }

    // ---- the web server
    const needsServer = ['overhead', 'list', 'pause', 'resume', 'approve', 'push'].some(want);
    if (needsServer) say(`production build in ${process.env.WR_DIST_DIR}`);
    if (needsServer) ensureBuild(root, say);
    await ensureDist(root, say); // dist/worker.js for the push and drain workers
    const port = await freePort();
    const serverEnv = webServerEnv(url, port);
    const server = needsServer ? await startServer(root, serverEnv, port) : { baseUrl: '', stop: async () => undefined };
    if ('child' in server) procs.push(server);
    say(`server up at ${server.baseUrl} (DATABASE_POOL_SIZE=${process.env.DATABASE_POOL_SIZE ?? '10 (default)'})`);
    const base = { baseUrl: server.baseUrl };

    const http: HttpRun[] = [];
    const cpu = cpuSampler('child' in server ? server.child.pid : undefined, postmasterPid, runId);
    const record = (r: HttpRun) => {
      http.push(r);
      const codes = Object.entries(r.status)
        .map(([k, v]) => `${k}×${v}`)
        .join(' ');
      say(
        `${r.scenario} c=${r.connections}: p50 ${ms(r.latency.p50)} p95 ${ms(r.latency.p95)} p99 ${ms(r.latency.p99)} ${r.throughput} req/s [${codes}] cpu/req web ${r.cpu?.webMsPerRequest ?? '–'} ms, pg ${r.cpu?.postgresMsPerRequest ?? '–'} ms`,
      );
      if (r.sampleErrors.length) say(`  errors: ${r.sampleErrors.join(' | ')}`);
    };
    /** Warm-up, then a latency run (1 connection) and a throughput run (cfg.connections). */
    const measure = async (spec: Omit<HttpSpec, 'connections' | 'amount' | 'seconds' | 'baseUrl'>, read: boolean) => {
      const w = await runHttp({ ...base, ...spec, connections: 2, amount: cfg.warmupRequests });
      const warmup = { connections: 2, requests: w.requests, p50: w.latency.p50, p99: w.latency.p99 };
      say(`${spec.scenario} warm-up (not measured): ${w.requests} requests at 2 connections, p50 ${ms(w.latency.p50)} p99 ${ms(w.latency.p99)}`);
      for (const c of [1, cfg.connections]) {
        const size = read ? { seconds: cfg.readSeconds } : { amount: c === 1 ? cfg.latencyRequests : cfg.loadRequests };
        const done = cpu.start();
        const r = await runHttp({ ...base, ...spec, connections: c, ...size });
        record({ ...r, cpu: done(r.requests), warmup });
      }
    };

    if (want('overhead')) {
      // Where a request's time goes besides the domain work: the framework and the token lookup.
      say('overhead: GET /api/v1/health (no auth, the database check) and GET /api/v1/me (token lookup only)');
      // The first scenario after the server starts would otherwise also pay the JIT warm-up of the
      // whole request path: warm both probes before either is measured.
      for (const p of ['/api/v1/health', '/api/v1/me']) await runHttp({ ...base, scenario: `warm-up ${p}`, method: 'GET', token: operatorToken, path: p, connections: 2, amount: cfg.warmupRequests });
      await measure({ scenario: HEALTH_SCENARIO, method: 'GET', token: operatorToken, path: '/api/v1/health' }, true);
      await measure({ scenario: ME_SCENARIO, method: 'GET', token: operatorToken, path: '/api/v1/me' }, true);
    }

    if (want('list')) {
      say('list paused: first page and a deep cursor');
      await measure({ scenario: 'list paused, limit 50, first page', method: 'GET', token: operatorToken, path: '/api/v1/executions/paused?limit=50' }, true);
      await measure(
        { scenario: 'list paused, limit 50, deep cursor (90%)', method: 'GET', token: operatorToken, path: `/api/v1/executions/paused?limit=50&cursor=${deepCursor}` },
        true,
      );
    }

    if (want('inbox')) {
      say('approvals inbox: pending, first page of 50');
      await measure({ scenario: 'approvals inbox, pending, limit 50', method: 'GET', token: approverToken, path: '/api/v1/approvals?status=pending&limit=50' }, true);
    }

    if (want('start')) {
      say('start an execution (set → pause: the request runs the set step and pauses)');
      const startBody = JSON.stringify({ workflow_id: PAIRS_WORKFLOW.key, trigger_payload: { amount: 1 } });
      await measure({ scenario: 'start (set → pause)', method: 'POST', token: operatorToken, path: '/api/v1/executions', body: startBody }, false);
    }

    if (want('get')) {
      // One execution that went set → pause → resumed → set → completed: its detail as clients poll it.
      const h = { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' };
      const made = (await (await fetch(`${server.baseUrl}/api/v1/executions`, { method: 'POST', headers: h, body: JSON.stringify({ workflow_id: PAIRS_WORKFLOW.key, trigger_payload: { amount: 1 } }) })).json()) as { id: string };
      await fetch(`${server.baseUrl}/api/v1/executions/${made.id}/resume`, { method: 'POST', headers: h, body: '{"resume_data":{"ok":true}}' });
      const size = (await (await fetch(`${server.baseUrl}/api/v1/executions/${made.id}`, { headers: h })).text()).length;
      say(`get an execution (completed, ${size} bytes of JSON)`);
      await measure({ scenario: `get an execution (${(size / 1024).toFixed(1)} KB)`, method: 'GET', token: operatorToken, path: `/api/v1/executions/${made.id}` }, true);
    }

    if (want('pause')) {
      say('pause (running, sleeping in a wait step → paused)');
      const pausePool = idPool('pause', pools.pause);
      await measure({ scenario: 'pause', method: 'POST', token: operatorToken, pool: pausePool, path: (id) => `/api/v1/executions/${id}/pause`, body: '{}' }, false);
    }

    if (want('resume')) {
      say('resume (paused at a pause step → runs four more steps → completed)');
      const resumePool = idPool('resume', pools.resume);
      await measure(
        { scenario: 'resume → completed', method: 'POST', token: operatorToken, pool: resumePool, path: (id) => `/api/v1/executions/${id}/resume`, body: '{"resume_data":{"ok":true}}' },
        false,
      );
      const notCompleted = await q<{ n: number }>(
        `select count(*)::int as n from workflow_executions where trigger_payload->>'pool' = 'resume' and status <> 'completed' and resume_count > 0`,
      );
      if (notCompleted[0]!.n > 0) say(`  WARNING: ${notCompleted[0]!.n} resumed executions did not complete`);
    }

    if (want('approve')) {
      say('approve (no worker running: the decision is recorded, the execution stays paused until a worker resumes it)');
      const approvePool = idPool('approve', pools.approve);
      await measure({ scenario: 'approve', method: 'POST', token: approverToken, pool: approvePool, path: (id) => `/api/v1/approvals/${id}/approve`, body: '{}' }, false);
      // Set the approved-but-not-resumed executions aside, so the worker runs below see only their own.
      await q(
        `update workflow_executions set status = 'cancelled', completed_at = now(), decided_at = null, error = 'bench: set aside after the approve run'
         where trigger_payload->>'pool' = 'approve' and status = 'paused' and decided_at is not null`,
      );
    }

    // ---- decision → running, push path
    let push: PushRun | null = null;
    if (want('push')) {
      say(`decision → running over ${cfg.decisions} decisions (one worker LISTENing, WORKER_INTERVAL=10m so the sweep stays out of it)`);
      push = await measurePush(server.baseUrl, approverToken, pools.push.slice(0, cfg.decisions), serverEnv, admin);
      say(
        `  observed p50 ${ms(push.observed.p50)} p95 ${ms(push.observed.p95)} p99 ${ms(push.observed.p99)}; recorded p50 ${ms(push.recorded.p50)} p99 ${ms(push.recorded.p99)}`,
      );
    }

    // The web server is done; stop it so the pairs and the drains have the machine to themselves.
    await server.stop();

    // ---- the pairs workload against `npm start` (launcher, web, worker), and its memory
    const pairs: PairsRun[] = [];
    let idleMemory: BenchResult['idleMemory'] = null;
    if (want('pairs')) {
      const tree = await startNpmStart(root, { ...serverEnv, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' }, await freePort());
      procs.push(tree);
      const rootPid = tree.child.pid!;
      const idle = treeMembers(rootPid);
      idleMemory = { webWorkerMiB: sumRss(idle.filter((m) => m.service === 'web' || m.service === 'worker')), treeMiB: sumRss(idle), tree: idle };
      say(`npm start is up at ${tree.baseUrl}: ${idle.map((m) => `${m.service || m.command.split(' ').slice(0, 2).join(' ')} ${m.rssMiB} MiB`).join(', ')}`);
      const opts = { baseUrl: tree.baseUrl, token: operatorToken, workflowKey: PAIRS_WORKFLOW.key, rootPid, postmasterPid, database: runId };
      const w = await runPairs({ ...opts, clients: cfg.connections, seconds: cfg.pairsWarmupSeconds });
      say(`pairs warm-up (not measured): ${w.pairs} pairs at ${cfg.connections} clients`);
      for (const clients of [1, cfg.connections]) {
        const r = await runPairs({ ...opts, clients, seconds: cfg.pairsSeconds });
        pairs.push(r);
        say(
          `pairs, ${clients} client(s): ${r.pairsPerSecond} pairs/s (${r.pairs} in ${r.seconds} s, ${r.requestsPerPair} requests each, ${r.errors} errors), p50 ${ms(r.latency.p50)}; CPU/pair web ${ms(r.cpu.webMsPerPair)} worker ${ms(r.cpu.workerMsPerPair)} pg ${ms(r.cpu.postgresMsPerPair)}; peak RSS web+worker ${r.memory.webWorkerPeakMiB} MiB, tree ${r.memory.treePeakMiB} MiB`,
        );
        if (r.sampleErrors.length) say(`  errors: ${r.sampleErrors.join(' | ')}`);
      }
      await tree.stop();
    }

    // ---- worker drains
    const drain: DrainRun[] = [];
    for (const n of want('drain') ? cfg.drainWorkers : []) {
      say(`drain: ${pools.drain[n]!.length} decided executions, ${n} worker process(es)`);
      const d = await measureDrain(n, pools.drain[n]!, serverEnv, admin);
      say(`  all resumed in ${d.allResumedSeconds.toFixed(2)} s, all completed in ${d.allCompletedSeconds.toFixed(2)} s, exactly once: ${d.exactlyOnce}`);
      drain.push(d);
    }

    // ---- the result
    const pg1 = (await q<{ version: string }>('select version()'))[0]!.version.replace(/ on .*/, '');
    const settings = Object.fromEntries(
      (
        await q<{ name: string; setting: string; unit: string | null }>(
          `select name, setting, unit from pg_settings where name in ('shared_buffers','max_connections','synchronous_commit','fsync','wal_level','work_mem','effective_cache_size','random_page_cost','jit') order by name`,
        )
      ).map((r) => [r.name, r.unit === '8kB' ? `${(Number(r.setting) * 8) / 1024}MB` : `${r.setting}${r.unit ?? ''}`]),
    ) as Record<string, string>;
    const result: BenchResult = {
      date: new Date().toISOString(),
      durationSeconds: (Date.now() - started) / 1000,
      machine: {
        cpus: os.availableParallelism(),
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
        os: `${os.type()} ${os.release()}`,
        node: process.version,
        loadAverageAtStart: loadAtStart,
        loadAverageAtEnd: os.loadavg().map((x) => x.toFixed(2)).join(' '),
      },
      postgres: { version: pg1, ...settings },
      config: { ...cfg, only: [...cfg.only], pools: undefined, databasePoolSize: process.env.DATABASE_POOL_SIZE ?? '10 (default)' },
      dataset,
      floor,
      http,
      push,
      pairs,
      idleMemory,
      drain,
      targets: [],
      explain,
    };
    result.targets = targets(result);
    console.log(consoleReport(result));
    say(`JSON: ${path.relative(root, writeJson(root, result))}`);
    // Only a full run (every part, default sizes) replaces the results in docs/benchmarks.md.
    if (isFullRun() || process.env.BENCH_WRITE_DOC === '1') say(`doc: ${path.relative(root, writeDoc(root, result))}`);
    else say('docs/benchmarks.md left as it is: a partial run (BENCH_* set); BENCH_WRITE_DOC=1 writes it anyway');
  } finally {
    await admin.end().catch(() => undefined);
    await handle.pool.end().catch(() => undefined);
  }
}

/** Approves over HTTP while one worker LISTENs; times each execution from the request to leaving 'paused'. */
async function measurePush(baseUrl: string, token: string, approvalIds: string[], env: NodeJS.ProcessEnv, admin: pg.Client): Promise<PushRun> {
  const worker = startWorker(root, { ...env, WORKER_INTERVAL: '10m', LOG_LEVEL: 'debug' });
  procs.push(worker);
  await waitForOutput(worker, /Paused executions processed/);
  await waitForOutput(worker, /listening for approval decisions/);

  const executions = await executionsOfApprovals(admin, approvalIds);
  const byApproval = new Map((await admin.query<{ id: string; execution_id: string }>('select id, execution_id from approval_requests where id = any($1::uuid[])', [approvalIds])).rows.map((r) => [r.id, r.execution_id]));
  const sentAt = new Map<string, number>(); // execution id → performance.now() at send
  const seenAt = new Map<string, number>();
  let polling = true;
  const poller = (async () => {
    const pending = new Set(executions);
    while (polling && pending.size > 0) {
      const ids = [...pending].filter((id) => sentAt.has(id));
      if (ids.length) {
        const r = await admin.query<{ id: string }>(`select id from workflow_executions where id = any($1::uuid[]) and status <> 'paused'`, [ids]);
        const now = performance.now();
        for (const row of r.rows) {
          seenAt.set(row.id, now);
          pending.delete(row.id);
        }
      }
      await sleep(2);
    }
  })();
  const pool = idPool('push', approvalIds);
  const wrapped = {
    ...pool,
    take: () => {
      const id = pool.take();
      sentAt.set(byApproval.get(id)!, performance.now());
      return id;
    },
  };
  const connections = 4;
  const approveHttp = await runHttp({ baseUrl, scenario: 'approve (push run)', method: 'POST', token, pool: wrapped, path: (id) => `/api/v1/approvals/${id}/approve`, body: '{}', connections, amount: approvalIds.length });
  const deadline = Date.now() + 60_000;
  while (seenAt.size < executions.length && Date.now() < deadline) await sleep(50);
  polling = false;
  await poller;
  await worker.stop();

  const observed = [...seenAt.entries()].map(([id, t]) => t - sentAt.get(id)!);
  const recorded = (
    await admin.query<{ ms: number }>(
      `select extract(epoch from (e.last_resumed_at - a.decided_at)) * 1000 as ms
       from approval_requests a join workflow_executions e on e.id = a.execution_id
       where a.id = any($1::uuid[]) and e.last_resumed_at is not null`,
      [approvalIds],
    )
  ).rows.map((r) => Number(r.ms));
  const missing = executions.length - seenAt.size;
  if (missing > 0) say(`  WARNING: ${missing} executions were still paused after 60 s`);
  return { decisions: approvalIds.length, connections, observed: summarize(observed), recorded: summarize(recorded), approveHttp };
}

/** Decides `approvalIds` in one transaction while `n` workers sweep every second; times the drain and checks exactly-once. */
async function measureDrain(n: number, approvalIds: string[], env: NodeJS.ProcessEnv, admin: pg.Client): Promise<DrainRun> {
  const workers = Array.from({ length: n }, () => startWorker(root, { ...env, WORKER_INTERVAL: '1s', LOG_LEVEL: 'info' }));
  procs.push(...workers);
  await Promise.all(workers.map((w) => waitForOutput(w, /Paused executions processed/)));

  // What an approve does, for all of them at once: approval approved + decision, execution decided.
  await admin.query('begin');
  const ex = await admin.query<{ execution_id: string }>(
    `update approval_requests set status = 'approved', approvals_received = 1, decided_at = now(), version = version + 1
     where id = any($1::uuid[]) and status = 'pending' returning execution_id`,
    [approvalIds],
  );
  await admin.query(
    `insert into approval_decisions (approval_id, actor, decision, created_at) select unnest($1::uuid[]), 'bench-approver@example.com', 'approve', now()`,
    [approvalIds],
  );
  const ids = ex.rows.map((r) => r.execution_id);
  await admin.query(
    `update workflow_executions set decided_at = now(), version = version + 1, updated_at = now(),
       resume_data = jsonb_build_object('approved', true, 'decided_by', 'bench-approver@example.com', 'approvers', jsonb_build_array('bench-approver@example.com'))
     where id = any($1::uuid[]) and status = 'paused'`,
    [ids],
  );
  await admin.query('commit');
  const t0 = performance.now();
  const workerCpu = () => workers.reduce((a, w) => a + (processCpuMs(w.child.pid!) ?? 0), 0);
  const cpu0 = { workers: workerCpu(), postgres: postmasterPid ? postgresCpu(postmasterPid, runId) : null };
  let resumedAt = 0;
  let completedAt = 0;
  const deadline = Date.now() + 180_000;
  // Polled cheaply, so the bench does not take CPU from the workers it measures: first the decided
  // executions still paused (a small partial index), then — once none is — the unfinished ones.
  while (Date.now() < deadline) {
    const now = performance.now();
    if (!resumedAt) {
      const [r] = (await admin.query<{ n: number }>(`select count(*)::int as n from workflow_executions where status = 'paused' and decided_at is not null`)).rows;
      if (r!.n === 0) resumedAt = performance.now();
    }
    if (resumedAt) {
      const [r] = (await admin.query<{ n: number }>(`select count(*)::int as n from workflow_executions where id = any($1::uuid[]) and status <> 'completed'`, [ids])).rows;
      if (r!.n === 0) {
        completedAt = performance.now();
        break;
      }
    }
    await sleep(Math.max(0, 100 - (performance.now() - now)));
  }
  const cpu1 = { workers: workerCpu(), postgres: postmasterPid ? postgresCpuSince(cpu0.postgres, postmasterPid, runId) : null };
  await Promise.all(workers.map((w) => w.stop()));
  const [check] = (
    await admin.query<DrainRun['check']>(
      `select count(*) filter (where e.status = 'completed')::int as completed,
              count(*) filter (where coalesce(ev.resumed, 0) <> 1)::int as "resumedEventsNotOne",
              count(*) filter (where e.resume_count <> 1)::int as "resumeCountNotOne",
              count(*) filter (where coalesce(ev.last_step, 0) <> 1)::int as "lastStepNotOnce"
       from workflow_executions e
       left join lateral (
         select count(*) filter (where type = 'resumed') as resumed,
                count(*) filter (where type = 'step_completed' and step_id = 's5') as last_step
         from execution_events where execution_id = e.id) ev on true
       where e.id = any($1::uuid[])`,
      [ids],
    )
  ).rows;
  const allResumedSeconds = resumedAt ? (resumedAt - t0) / 1000 : NaN;
  const allCompletedSeconds = completedAt ? (completedAt - t0) / 1000 : NaN;
  return {
    workers: n,
    executions: ids.length,
    allResumedSeconds: Math.round(allResumedSeconds * 100) / 100,
    allCompletedSeconds: Math.round(allCompletedSeconds * 100) / 100,
    throughput: Math.round((ids.length / allCompletedSeconds) * 10) / 10,
    cpu: {
      workersMsPerExecution: Math.round(((cpu1.workers - cpu0.workers) / ids.length) * 100) / 100,
      postgresMsPerExecution: cpu1.postgres === null ? null : Math.round((cpu1.postgres / ids.length) * 100) / 100,
    },
    exactlyOnce: check!.completed === ids.length && check!.resumedEventsNotOne === 0 && check!.resumeCountNotOne === 0 && check!.lastStepNotOnce === 0,
    check: check!,
  };
}

const sumRss = (ms: { rssMiB: number }[]) => Math.round(ms.reduce((a, m) => a + m.rssMiB, 0) * 10) / 10;

/** The postmaster: the parent process of a backend. */
function backendParent(backendPid: number): number | null {
  try {
    const raw = fs.readFileSync(`/proc/${backendPid}/stat`, 'utf8');
    return Number(raw.slice(raw.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

function targets(r: BenchResult): Target[] {
  const find = (scenario: string, c: number) => r.http.find((h) => h.scenario === scenario && h.connections === c);
  const out: Target[] = [];
  const lat = (name: string, scenario: string, pick: 'p50' | 'p99', limitMs: number) => {
    for (const c of [1, r.config.connections as number]) {
      const h = find(scenario, c);
      if (!h) continue;
      const v = h.latency[pick];
      out.push({ name: `${name} ${pick}`, limit: `≤ ${limitMs} ms`, measured: ms(v), met: v <= limitMs && h.errors === 0, basis: `HTTP, ${c} connection${c > 1 ? 's' : ''}${h.errors ? `, ${h.errors} errors` : ''}` });
    }
  };
  const lat1 = (name: string, scenario: string, limitMs: number) => {
    const h = find(scenario, 1);
    if (h) out.push({ name: `${name} p50`, limit: `≤ ${limitMs} ms`, measured: ms(h.latency.p50), met: h.latency.p50 <= limitMs && h.errors === 0, basis: `HTTP, 1 connection${h.errors ? `, ${h.errors} errors` : ''}` });
  };
  const getScenario = r.http.find((h) => h.scenario.startsWith('get an execution'))?.scenario ?? 'get an execution';
  lat('pause', 'pause', 'p50', 3);
  lat('pause', 'pause', 'p99', 15);
  lat('resume', 'resume → completed', 'p50', 5);
  lat1('start (set → pause)', 'start (set → pause)', 4);
  lat1('get an execution', getScenario, 3);
  lat(`list 50 at ${r.dataset.paused?.toLocaleString('en-US')} paused`, 'list paused, limit 50, first page', 'p50', 5);
  lat1(`approvals inbox at ${r.dataset.paused?.toLocaleString('en-US')} paused`, 'approvals inbox, pending, limit 50', 10);
  // Web CPU per request as a multiple of GET /me's, 1 connection, same run.
  const me = find(ME_SCENARIO, 1)?.cpu?.webMsPerRequest;
  const cpuX = (name: string, scenario: string, limit: number) => {
    const v = find(scenario, 1)?.cpu?.webMsPerRequest;
    if (me && v != null) out.push({ name: `${name}: web CPU/request ÷ GET /me`, limit: `≤ ${limit}×`, measured: `${(v / me).toFixed(2)}× (${ms(v)})`, met: v / me <= limit, basis: `1 connection; GET /me ${ms(me)}` });
  };
  cpuX('GET /health', HEALTH_SCENARIO, 1);
  cpuX('start', 'start (set → pause)', 1.5);
  cpuX('get', getScenario, 1.5);
  cpuX('pause', 'pause', 1.5);
  cpuX('resume', 'resume → completed', 1.5);
  cpuX('list 50', 'list paused, limit 50, first page', 2);
  cpuX('approve', 'approve', 2);
  for (const p of r.pairs) {
    if (p.clients === r.config.connections) {
      out.push({ name: `pairs at ${p.clients} clients`, limit: '≥ 200/s', measured: `${p.pairsPerSecond}/s`, met: p.pairsPerSecond >= 200 && p.errors === 0, basis: `npm start tree; server CPU/pair ${ms(p.cpu.serverMsPerPair)}${p.errors ? `, ${p.errors} errors` : ''}` });
      out.push({ name: 'web + worker RSS at the peak', limit: '≤ 300 MiB', measured: `${p.memory.webWorkerPeakMiB} MiB`, met: p.memory.webWorkerPeakMiB <= 300, basis: `${p.clients}-client pairs run` });
      out.push({ name: '`npm start` tree RSS without PostgreSQL', limit: '≤ 400 MiB', measured: `${p.memory.treePeakMiB} MiB`, met: p.memory.treePeakMiB <= 400, basis: `${p.clients}-client pairs run, peak` });
    }
  }
  if (r.push) out.push({ name: 'decision → running p99', limit: '≤ 1 s', measured: ms(r.push.observed.p99), met: r.push.observed.p99 <= 1000 && r.push.observed.n === r.push.decisions, basis: `${r.push.decisions} decisions, client-observed` });
  const d4 = r.drain.find((d) => d.workers === 4);
  if (d4) out.push({ name: `${d4.executions.toLocaleString('en-US')} drain, 4 workers`, limit: '≤ 20 s', measured: `${d4.allResumedSeconds.toFixed(2)} s`, met: d4.allResumedSeconds <= 20 && d4.exactlyOnce, basis: `all resumed (all completed: ${d4.allCompletedSeconds.toFixed(2)} s), exactly once: ${d4.exactlyOnce ? 'yes' : 'no'}` });
  return out;
}

let code = 0;
try {
  await main();
} catch (e) {
  console.error(`[bench] failed: ${(e as Error).stack ?? String(e)}`);
  for (const p of procs) if (p.output()) console.error(`--- process output (tail) ---\n${p.output().slice(-2000)}`);
  code = 1;
} finally {
  await cleanup();
}
process.exit(code);
