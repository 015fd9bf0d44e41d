/**
 * The peer's workload (issue 15): trigger an execution, poll it until paused, resume it, poll it
 * until finished — against the process tree `npm start` runs (launcher, web, worker), with
 * `clients` keep-alive connections each doing one pair after the other. The workflow is
 * set → pause → set. Measured: pairs per second, latency per pair, CPU per pair of the web server,
 * the worker and PostgreSQL (from /proc), and the resident memory of web + worker and of the whole
 * tree (sampled every 100 ms; the peak).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { descendants, processCpuMs, postgresCpu, postgresCpuSince, rssKb, serviceOf } from './cpu';
import { keepAliveClient } from './http-load';
import { track, type Proc } from './processes';
import { summarize, type LatencySummary } from './stats';

export type TreeMember = { pid: number; service: string; command: string; rssMiB: number };

export type PairsRun = {
  clients: number;
  seconds: number;
  pairs: number;
  pairsPerSecond: number;
  /** Requests per pair (4 when every poll finds the state it waits for at once). */
  requestsPerPair: number;
  latency: LatencySummary;
  errors: number;
  sampleErrors: string[];
  /** CPU milliseconds per pair: web server, worker, PostgreSQL (backends of the bench's database, WAL writer, I/O workers), and their sum. */
  cpu: { webMsPerPair: number | null; workerMsPerPair: number | null; postgresMsPerPair: number | null; serverMsPerPair: number | null };
  /** Resident memory, MiB: web + worker and the whole `npm start` tree without PostgreSQL, at the peak of the run. */
  memory: { webWorkerPeakMiB: number; treePeakMiB: number; treeAtPeak: TreeMember[] };
};

const MiB = (kb: number) => Math.round((kb / 1024) * 10) / 10;

/** The processes of the `npm start` tree (npm, its shell, the launcher, web, worker) with PostgreSQL left out. */
export function treeMembers(rootPid: number): TreeMember[] {
  return [rootPid, ...descendants(rootPid)]
    .map((pid) => {
      let command = '';
      try {
        command = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      } catch {
        return null;
      }
      return { pid, service: serviceOf(pid) ?? '', command, rssMiB: MiB(rssKb(pid) ?? 0) };
    })
    .filter((m): m is TreeMember => m !== null && !/\bpostgres\b|\bpostmaster\b/.test(m.command.split(' ')[0] ?? ''));
}

/** `npm start` against `databaseUrl` on `port`, as a user runs it; resolves when GET /health answers. */
export async function startNpmStart(root: string, env: NodeJS.ProcessEnv, port: number): Promise<Proc & { baseUrl: string }> {
  const child = spawn('npm', ['start', '--silent'], { cwd: root, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const proc = track(child);
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // SIGTERM to the whole group (npm, its shell, the launcher, web, worker: npm does not pass it on,
    // and a launcher left behind would keep web and worker running); SIGKILL after 15 s.
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        // gone
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 15_000);
    await proc.exited;
    // npm may exit before the launcher has stopped its children: wait for the group to be gone.
    for (let i = 0; i < 150 && groupAlive(child.pid!); i++) await new Promise((r) => setTimeout(r, 100));
    clearTimeout(timer);
  };
  for (let i = 0; i < 1500; i++) {
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}):\n${proc.output().slice(-3000)}`);
    try {
      if ((await fetch(`${baseUrl}/api/v1/health`)).ok && treeMembers(child.pid!).some((m) => m.service === 'worker')) return { ...proc, stop, baseUrl };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`npm start did not come up:\n${proc.output().slice(-3000)}`);
}

/** Whether any process of the group `pgid` is still running. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

type Opts = { baseUrl: string; token: string; workflowKey: string; clients: number; seconds: number; rootPid: number; postmasterPid: number | null; database: string };

export async function runPairs(o: Opts): Promise<PairsRun> {
  const samples: number[] = [];
  const sampleErrors: string[] = [];
  let errors = 0;
  let requests = 0;
  const members = () => treeMembers(o.rootPid);
  const servicePids = (s: string) => members().filter((m) => m.service === s).map((m) => m.pid);
  const cpuOfService = (s: string) => servicePids(s).reduce((a, pid) => a + (processCpuMs(pid) ?? 0), 0);
  const cpu0 = { web: cpuOfService('web'), worker: cpuOfService('worker'), pg: o.postmasterPid ? postgresCpu(o.postmasterPid, o.database) : null };

  let peak = { webWorker: 0, tree: 0, at: [] as TreeMember[] };
  const sampleMemory = () => {
    const m = members();
    const webWorker = m.filter((x) => x.service === 'web' || x.service === 'worker').reduce((a, x) => a + x.rssMiB, 0);
    const tree = m.reduce((a, x) => a + x.rssMiB, 0);
    if (webWorker > peak.webWorker) peak = { ...peak, webWorker };
    if (tree > peak.tree) peak = { ...peak, tree, at: m };
  };
  const sampler = setInterval(sampleMemory, 100);

  const end = performance.now() + o.seconds * 1000;
  const body = JSON.stringify({ workflow_id: o.workflowKey, trigger_payload: { amount: 1 } });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: o.clients }, async () => {
      const c = keepAliveClient(o.baseUrl, o.token);
      const call = async (method: 'GET' | 'POST', p: string, b?: string) => {
        requests++;
        const r = await c.send(method, p, b);
        if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${r.body.slice(0, 200)}`);
        return JSON.parse(r.body) as { id: string; status: string };
      };
      const pollUntil = async (id: string, done: (s: string) => boolean) => {
        for (let i = 0; ; i++) {
          const e = await call('GET', `/api/v1/executions/${id}`);
          if (done(e.status)) return e.status;
          if (i > 2000) throw new Error(`execution ${id} stuck in ${e.status}`);
          await new Promise((r) => setTimeout(r, 2));
        }
      };
      try {
        while (performance.now() < end) {
          const p0 = performance.now();
          try {
            const { id } = await call('POST', '/api/v1/executions', body);
            await pollUntil(id, (s) => s === 'paused');
            await call('POST', `/api/v1/executions/${id}/resume`, '{"resume_data":{"ok":true}}');
            const final = await pollUntil(id, (s) => !['running', 'paused'].includes(s));
            if (final !== 'completed') throw new Error(`execution ${id} finished ${final}`);
            samples.push(performance.now() - p0);
          } catch (e) {
            errors++;
            if (sampleErrors.length < 5) sampleErrors.push((e as Error).message);
          }
        }
      } finally {
        c.close();
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  sampleMemory();
  const web = cpuOfService('web') - cpu0.web;
  const worker = cpuOfService('worker') - cpu0.worker;
  const pgMs = o.postmasterPid ? postgresCpuSince(cpu0.pg, o.postmasterPid, o.database) : null;
  const n = samples.length;
  const per = (v: number | null) => (v === null || n === 0 ? null : Math.round((v / n) * 100) / 100);
  return {
    clients: o.clients,
    seconds: Math.round(seconds * 100) / 100,
    pairs: n,
    pairsPerSecond: Math.round((n / seconds) * 10) / 10,
    requestsPerPair: n ? Math.round((requests / n) * 100) / 100 : 0,
    latency: summarize(samples),
    errors,
    sampleErrors,
    cpu: { webMsPerPair: per(web), workerMsPerPair: per(worker), postgresMsPerPair: per(pgMs), serverMsPerPair: per(web + worker + (pgMs ?? 0)) },
    memory: { webWorkerPeakMiB: Math.round(peak.webWorker * 10) / 10, treePeakMiB: Math.round(peak.tree * 10) / 10, treeAtPeak: peak.at },
  };
}

/** The set → pause → set workflow of the pairs run and the start scenario. */
export const PAIRS_WORKFLOW = {
  key: 'bench-pairs',
  name: 'Bench: set, pause, set',
  definition: {
    steps: [
      { id: 's1', type: 'action', action: { type: 'set', values: { s1: true } }, next: 'gate' },
      { id: 'gate', type: 'pause', reason: 'Awaiting callback', next: 's3' },
      { id: 's3', type: 'action', action: { type: 'set', values: { s3: true } } },
    ],
  },
};
