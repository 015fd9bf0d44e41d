/**
 * HTTP load with autocannon over keep-alive connections. Each write request gets an execution of
 * its own from a pool (handed out in `setupRequest`); latencies are timed per request here, with
 * sub-millisecond resolution, from the moment the request is built (right before it is written) to
 * its response.
 */
import http from 'node:http';
import autocannon from 'autocannon';
import { summarize, type LatencySummary } from './stats';

export type IdPool = { name: string; take: () => string; left: () => number };

export function idPool(name: string, ids: readonly string[]): IdPool {
  let i = 0;
  return {
    name,
    take: () => {
      const id = ids[i++];
      if (id === undefined) throw new Error(`pool ${name} ran out of ids (${ids.length}); raise its size in lib/bin/bench/config.ts`);
      return id;
    },
    left: () => ids.length - i,
  };
}

export type HttpRun = {
  scenario: string;
  connections: number;
  requests: number;
  seconds: number;
  throughput: number;
  latency: LatencySummary;
  /** autocannon's own histogram, as a cross-check (whole milliseconds). */
  autocannon: { p50: number; p99: number; average: number };
  status: Record<string, number>;
  errors: number;
  /** A few non-2xx bodies, to explain failures. */
  sampleErrors: string[];
  /** CPU milliseconds per request in the web server and in PostgreSQL (see cpu.ts). */
  cpu?: { webMsPerRequest: number | null; postgresMsPerRequest: number | null };
  /** The unmeasured warm-up before this scenario's runs, for comparison: a cold server's figures. */
  warmup?: { connections: number; requests: number; p50: number; p99: number };
};

export type HttpSpec = {
  baseUrl: string;
  scenario: string;
  method: 'GET' | 'POST';
  token: string;
  /** Fixed path, or a path built from a pooled id. */
  path: string | ((id: string) => string);
  pool?: IdPool;
  body?: string;
  connections: number;
  /** Total requests (amount), or a duration in seconds for read scenarios. */
  amount?: number;
  seconds?: number;
  /** The status a request must get to count as a success (default: any 2xx). */
  expectStatus?: number;
};

export async function runHttp(spec: HttpSpec): Promise<HttpRun> {
  const samples: number[] = [];
  const status: Record<string, number> = {};
  const sampleErrors: string[] = [];
  const headers: Record<string, string> = { authorization: `Bearer ${spec.token}` };
  if (spec.body !== undefined) headers['content-type'] = 'application/json';
  type Ctx = { t0?: number };

  const request: autocannon.Request = {
    method: spec.method,
    headers,
    body: spec.body,
    setupRequest: (req, context) => {
      (context as Ctx).t0 = performance.now();
      if (typeof spec.path === 'function') return { ...req, path: spec.path(spec.pool!.take()) };
      return { ...req, path: spec.path };
    },
    onResponse: (code, body, context) => {
      const t0 = (context as Ctx).t0;
      if (t0 !== undefined) samples.push(performance.now() - t0);
      status[code] = (status[code] ?? 0) + 1;
      const ok = spec.expectStatus ? code === spec.expectStatus : code >= 200 && code < 300;
      if (!ok && sampleErrors.length < 5) sampleErrors.push(`${code} ${String(body).slice(0, 300)}`);
    },
  };
  const t0 = performance.now();
  const result = await autocannon({
    url: spec.baseUrl,
    connections: spec.connections,
    pipelining: 1,
    ...(spec.amount !== undefined ? { amount: spec.amount } : { duration: spec.seconds ?? 10 }),
    requests: [request],
    timeout: 30,
  });
  const seconds = (performance.now() - t0) / 1000;
  const failures = Object.entries(status)
    .filter(([code]) => (spec.expectStatus ? Number(code) !== spec.expectStatus : Number(code) < 200 || Number(code) >= 300))
    .reduce((a, [, n]) => a + n, 0);
  return {
    scenario: spec.scenario,
    connections: spec.connections,
    requests: samples.length,
    seconds: Math.round(seconds * 100) / 100,
    throughput: Math.round((samples.length / seconds) * 10) / 10,
    latency: summarize(samples),
    autocannon: { p50: result.latency.p50, p99: result.latency.p99, average: result.latency.average },
    status,
    errors: result.errors + result.timeouts + failures,
    sampleErrors,
  };
}

/** One keep-alive connection: every request of the run goes over the same socket, one at a time. */
export function keepAliveClient(baseUrl: string, token: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(baseUrl);
  const send = (method: 'GET' | 'POST', p: string, body?: string) =>
    new Promise<{ status: number; body: string; ms: number }>((resolve, reject) => {
      const t0 = performance.now();
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method,
          path: p,
          headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) },
        },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (data += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data, ms: performance.now() - t0 }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return {
    send,
    ok: async (method: 'GET' | 'POST', p: string, body?: string) => {
      const r = await send(method, p, body);
      if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${r.body.slice(0, 300)}`);
      return r;
    },
    close: () => agent.destroy(),
  };
}
