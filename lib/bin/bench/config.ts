/** Bench sizes, all overridable from the environment for quick iteration. */
export function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${raw}`);
  return n;
}

export type BenchConfig = ReturnType<typeof benchConfig>;

export function benchConfig() {
  const cfg = {
    /** Executions in the data set, of every status. */
    executions: int('BENCH_EXECUTIONS', 1_000_000),
    /** Of those, paused (the list is measured at exactly this many). */
    paused: int('BENCH_PAUSED', 100_000),
    /** Requests measured per write scenario at concurrency 1 (latency). */
    latencyRequests: int('BENCH_LATENCY_REQUESTS', 2_000),
    /** Requests measured per write scenario at BENCH_CONNECTIONS (throughput). */
    loadRequests: int('BENCH_LOAD_REQUESTS', 6_000),
    /** Keep-alive connections of the throughput runs. */
    connections: int('BENCH_CONNECTIONS', 8),
    /**
     * Warm-up requests per scenario, not measured (its p50 is reported beside the results): V8
     * optimises a code path only after thousands of calls. Against one server, pause took 7.0, 5.6,
     * then 2.8 ms p50 over three consecutive rounds of 2,500 — the bench reports the warm server.
     */
    warmupRequests: int('BENCH_WARMUP_REQUESTS', 6_000),
    /** Seconds per read scenario (list pages). */
    readSeconds: int('BENCH_READ_SECONDS', 8),
    /** Approval decisions for the decision → running measurement (push path). */
    decisions: int('BENCH_DECISIONS', 1_000),
    /** Decided executions per worker drain run. */
    drain: int('BENCH_DRAIN', 10_000),
    /** Worker process counts of the drain runs. */
    drainWorkers: (process.env.BENCH_DRAIN_WORKERS ?? '1,2,4').split(',').map((s) => Number(s.trim())).filter((n) => n > 0),
    /** Seconds per pairs run (trigger, poll, resume, poll), at 1 client and at BENCH_CONNECTIONS. */
    pairsSeconds: int('BENCH_PAIRS_SECONDS', 15),
    /** Seconds of pairs at BENCH_CONNECTIONS before the measured runs (the `npm start` tree starts cold). */
    pairsWarmupSeconds: int('BENCH_PAIRS_WARMUP_SECONDS', 15),
    /** Which parts run (for iterating on one): explain, floor, overhead, list, inbox, start, get, pause, resume, approve, push, pairs, drain. */
    only: new Set((process.env.BENCH_ONLY ?? 'explain,floor,overhead,list,inbox,start,get,pause,resume,approve,push,pairs,drain').split(',').map((s) => s.trim())),
  };
  const perWrite = cfg.latencyRequests + cfg.loadRequests + cfg.warmupRequests;
  // Margin for the few ids autocannon's request builder consumes without sending.
  const pool = Math.ceil(perWrite * 1.05) + 200;
  const pools = {
    /** running (sleeping in a wait step): pause targets. */
    pause: pool,
    /** running: the floor's direct UPDATEs. */
    floor: pool,
    /** paused at a pause step (callback): resume targets. */
    resume: pool,
    /** paused for approval: approve targets. */
    approve: pool,
    /** paused for approval: the push-path decisions. */
    push: cfg.decisions + 50,
    /** paused for approval: one pool per drain run. */
    drain: cfg.drain,
    /** a few of each kind for the EXPLAIN capture. */
    explain: 20,
  };
  const pausedNeeded = pools.resume + pools.approve + pools.push + pools.drain * cfg.drainWorkers.length + pools.explain * 3;
  if (pausedNeeded > cfg.paused) {
    throw new Error(`BENCH_PAUSED=${cfg.paused} is too small for the pools (${pausedNeeded} paused executions needed); raise it or lower the request counts`);
  }
  if (cfg.paused + pools.pause + pools.floor + pools.explain > cfg.executions) {
    throw new Error(`BENCH_EXECUTIONS=${cfg.executions} must exceed BENCH_PAUSED plus the running pools (${cfg.paused + pools.pause + pools.floor + pools.explain})`);
  }
  return { ...cfg, pools };
}
