/**
 * GET /api/v1/metrics: who may read it, that it is valid Prometheus text, and that its numbers move
 * as executions pause and resume; the worker's own metrics endpoint; the request log lines.
 */
import { spawn } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS } from '@/lib/core/access/permissions';
import { resumeDecidedExecutions } from '@/lib/core/worker/resume-decided-executions';
import { createWorkflow as createWorkflowIn } from '@/lib/core/workflows/workflows';
import type { Db } from '@/lib/db/client';
import { log } from '@/lib/log';
import { parseExposition, sampleValue, type ParsedExposition } from '@/lib/observability/exposition';
import { freePort } from '@/lib/bin/support/ports';
import { isolatedDatabase, testDb, tokenWith, uid } from '../helpers/env';
import { api, call } from '../helpers/http';
import { startWebServer, type WebServer } from '../helpers/web-server';
import { spawnWorker, waitForOutput, type Proc } from '../helpers/processes';
import { APPROVAL_FLOW, CALLBACK_FLOW, createWorkflowApi, startExecutionApi } from '../helpers/workflows';

async function scrape(token: string, baseUrl?: string): Promise<ParsedExposition> {
  const res = await call<string>('GET', '/api/v1/metrics', { token, baseUrl });
  expect(res.status, String(res.body).slice(0, 500)).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(res.body);
}

const v = (m: ParsedExposition, name: string, labels: Record<string, string> = {}) => sampleValue(m, name, labels) ?? 0;

/** Every sample belongs to a family with HELP and TYPE, no series twice, histograms consistent. */
function expectWellFormed(m: ParsedExposition) {
  const family = (name: string) => (m.types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, ''));
  const seen = new Set<string>();
  for (const s of m.samples) {
    const f = family(s.name);
    expect(m.types.has(f), `${s.name} has no TYPE`).toBe(true);
    expect(m.helps.has(f), `${s.name} has no HELP`).toBe(true);
    const key = `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;
    expect(seen.has(key), `duplicate series ${key}`).toBe(false);
    seen.add(key);
    if (m.types.get(f) === 'counter') expect(s.value).toBeGreaterThanOrEqual(0);
  }
  for (const [name, type] of m.types) {
    if (type !== 'histogram') continue;
    const groups = new Map<string, { le: number; value: number }[]>();
    for (const s of m.samples.filter((x) => x.name === `${name}_bucket`)) {
      const { le, ...rest } = s.labels;
      const k = JSON.stringify(Object.entries(rest).sort());
      groups.set(k, [...(groups.get(k) ?? []), { le: le === '+Inf' ? Infinity : Number(le), value: s.value }]);
    }
    for (const [k, buckets] of groups) {
      buckets.sort((a, b) => a.le - b.le);
      for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value, `${name} ${k}`).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
      const labels = Object.fromEntries(JSON.parse(k) as [string, string][]);
      expect(buckets.at(-1)!.le).toBe(Infinity);
      expect(buckets.at(-1)!.value, `${name} +Inf == _count`).toBe(sampleValue(m, `${name}_count`, labels));
    }
  }
}

describe('GET /api/v1/metrics on the test server', () => {
  let reader: string;
  let operator: string;
  let approver: string;
  beforeAll(async () => {
    reader = await tokenWith(['execution:read']);
    operator = await tokenWith(PERMISSIONS.filter((p) => p !== 'approval:decide'));
    approver = await tokenWith(['approval:read', 'approval:decide']);
  });

  it('needs execution:read (or the METRICS_TOKEN)', async () => {
    expect((await call('GET', '/api/v1/metrics')).status).toBe(401);
    const noRead = await tokenWith(['workflow:read']);
    const forbidden = await call('GET', '/api/v1/metrics', { token: noRead });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ error: { code: 'forbidden', message: 'missing permission: execution:read' } });
    const ok = await call('GET', '/api/v1/metrics', { token: reader, headers: { 'x-request-id': 'scrape-1' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-request-id')).toBe('scrape-1');
  });

  it('is well-formed Prometheus text with every family the runbook alerts on', async () => {
    const count = async () => ((await testDb().execute(sql`select count(*)::int as n from workflow_executions`)).rows[0] as { n: number }).n;
    const countBefore = await count();
    const m = await scrape(reader);
    const countAfter = await count();
    expectWellFormed(m);
    for (const name of [
      'workflow_resumer_database_up',
      'workflow_resumer_executions',
      'workflow_resumer_paused_executions',
      'workflow_resumer_oldest_pause_age_seconds',
      'workflow_resumer_decided_awaiting_resume',
      'workflow_resumer_pauses_total',
      'workflow_resumer_resumes_total',
      'workflow_resumer_approval_decisions_total',
      'workflow_resumer_pause_expirations_total',
      'workflow_resumer_decision_to_resume_seconds',
      'workflow_resumer_workers',
      'workflow_resumer_http_request_duration_seconds',
      'process_cpu_user_seconds_total',
    ]) {
      expect(m.types.has(name), name).toBe(true);
    }
    expect(v(m, 'workflow_resumer_database_up')).toBe(1);
    // The gauges agree with the database (other test files add executions meanwhile, hence the bounds).
    expect(v(m, 'workflow_resumer_executions')).toBeGreaterThanOrEqual(countBefore);
    expect(v(m, 'workflow_resumer_executions')).toBeLessThanOrEqual(countAfter);
  });

  it('moves as executions pause, get decided and resume', async () => {
    const before = await scrape(reader);
    const approvalFlow = await createWorkflowApi(operator, APPROVAL_FLOW);
    const callbackFlow = await createWorkflowApi(operator, CALLBACK_FLOW);
    const waitFlow = await createWorkflowApi(operator, {
      steps: [{ id: 'w', type: 'wait', duration: 'PT1H', next: 'x' }, { id: 'x', type: 'action', action: { type: 'allow' } }],
    });

    const needsApproval = await startExecutionApi(operator, approvalFlow, { amount: 25_000 });
    const needsCallback = await startExecutionApi(operator, callbackFlow, {});
    const sleeping = await startExecutionApi(operator, waitFlow, {});
    expect([needsApproval.status, needsCallback.status, sleeping.status]).toEqual(['paused', 'paused', 'running']);
    expect((await api(operator).post(`/api/v1/executions/${sleeping.id}/pause`, { reason: 'metrics test' })).status).toBe(200);

    const paused = await scrape(reader);
    for (const kind of ['approval', 'callback', 'manual']) {
      expect(v(paused, 'workflow_resumer_pauses_total', { kind }), kind).toBeGreaterThanOrEqual(v(before, 'workflow_resumer_pauses_total', { kind }) + 1);
      expect(v(paused, 'workflow_resumer_paused_executions', { kind }), kind).toBeGreaterThanOrEqual(1);
    }
    expect(v(paused, 'workflow_resumer_oldest_pause_age_seconds')).toBeGreaterThanOrEqual(0);

    // Decide, and let the worker's code resume exactly this execution (no worker runs against the shared database).
    const detail = await api(operator).get<{ approvals: { id: string }[] }>(`/api/v1/executions/${needsApproval.id}`);
    expect((await api(approver).post(`/api/v1/approvals/${detail.body.approvals[0]!.id}/approve`, {})).status).toBe(200);
    const decided = await scrape(reader);
    expect(v(decided, 'workflow_resumer_approval_decisions_total', { decision: 'approve' })).toBeGreaterThanOrEqual(
      v(before, 'workflow_resumer_approval_decisions_total', { decision: 'approve' }) + 1,
    );
    expect(v(decided, 'workflow_resumer_decided_awaiting_resume')).toBeGreaterThanOrEqual(1);
    const r = await resumeDecidedExecutions(testDb(), { batchSize: 1, now: () => new Date(), log, executionId: needsApproval.id });
    expect(r.resumed).toBe(1);

    expect((await api(operator).post(`/api/v1/executions/${needsCallback.id}/resume`, { resume_data: { paid: true } })).status).toBe(200);
    expect((await api(operator).post(`/api/v1/executions/${sleeping.id}/resume`, {})).status).toBe(200);

    const after = await scrape(reader);
    expectWellFormed(after);
    const grew = (name: string, labels: Record<string, string>, by: number) =>
      expect(v(after, name, labels), `${name} ${JSON.stringify(labels)}`).toBeGreaterThanOrEqual(v(before, name, labels) + by);
    grew('workflow_resumer_resumes_total', { source: 'worker', outcome: 'approved' }, 1);
    grew('workflow_resumer_resumes_total', { source: 'api', outcome: 'data' }, 2);
    grew('workflow_resumer_execution_events_total', { type: 'resumed' }, 3);
    grew('workflow_resumer_decision_to_resume_seconds_count', {}, 1);
    grew('workflow_resumer_http_request_duration_seconds_count', { route: '/api/v1/executions/{id}/resume', method: 'POST', status: '200' }, 2);
    grew('workflow_resumer_http_request_duration_seconds_count', { route: '/api/v1/approvals/{id}/approve', method: 'POST', status: '200' }, 1);
    grew('workflow_resumer_http_request_duration_seconds_count', { route: '/api/v1/metrics', method: 'GET', status: '200' }, 3);
    // The route label is the template, never a raw id.
    expect(after.samples.some((s) => s.labels.route?.includes(needsCallback.id))).toBe(false);
  });
});


describe('METRICS_TOKEN, the worker’s metrics endpoint and request logs (own server, worker and database)', () => {
  const METRICS_TOKEN = `mt-${uid('metrics')}-${'x'.repeat(8)}`;
  let iso: Awaited<ReturnType<typeof isolatedDatabase>>;
  let db: Db;
  let web: WebServer;
  let worker: Proc;
  let workerPort: number;
  const SEEDED = 30;

  beforeAll(async () => {
    iso = await isolatedDatabase(3);
    db = iso.db;
    web = await startWebServer(iso.url, { METRICS_TOKEN, LOG_LEVEL: 'info', WR_SERVICE: 'web' }, { waitFor: 'ready' });
    // Decided approvals waiting for a worker, written as the approve route leaves them.
    const wf = await createWorkflowIn(db, { key: uid('wm'), name: 'Worker metrics', definition: APPROVAL_FLOW as never });
    await db.execute(sql`
      insert into workflow_executions (workflow_id, status, trigger_payload, context, current_step_id, started_by, paused_at, paused_reason,
        paused_step_id, next_step_id, pause_kind, paused_by, pause_expires_at, decided_at, resume_data)
      select ${wf.id}::uuid, 'paused', '{}'::jsonb, '{}'::jsonb, 'require-approval', 'seed', now() - interval '1 hour', 'Requires manager approval',
        'require-approval', 'fulfil', 'approval', 'seed', now() + interval '6 days', now(), '{"approved": true}'::jsonb
      from generate_series(1, ${SEEDED})`);
    workerPort = await freePort();
    worker = spawnWorker(iso.url, { WORKER_METRICS_PORT: String(workerPort), METRICS_TOKEN, WORKER_INTERVAL: '1s' });
    await waitForOutput(worker, new RegExp(`Paused executions processed: resumed=${SEEDED}, skipped=0, errors=0`), 30_000);
  }, 120_000);

  afterAll(async () => {
    for (const c of [web?.child, worker?.child]) if (c && c.exitCode === null) c.kill('SIGTERM');
    await Promise.all([web?.child, worker?.child].filter(Boolean).map((c) => new Promise((r) => (c!.exitCode !== null ? r(null) : c!.once('exit', r)))));
    await iso?.close();
  }, 30_000);

  it('lets Prometheus in with the METRICS_TOKEN, and refuses a wrong one', async () => {
    const res = await fetch(`${web.baseUrl}/api/v1/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    const m = parseExposition(await res.text());
    expectWellFormed(m);
    // The worker's heartbeat reaches the web scrape: its last cycle resumed the seeded executions.
    expect(m.samples.filter((s) => s.name === 'workflow_resumer_worker_heartbeat_age_seconds')).toHaveLength(1);
    expect(v(m, 'workflow_resumer_workers', { state: 'live' })).toBe(1);
    const cycles = m.samples.filter((s) => s.name === 'workflow_resumer_worker_last_cycle_items' && s.labels.outcome === 'resumed');
    expect(cycles).toHaveLength(1);
    expect(v(m, 'workflow_resumer_worker_interval_seconds')).toBe(1);
    expect(v(m, 'workflow_resumer_resumes_total', { source: 'worker', outcome: 'approved' })).toBe(SEEDED);
    expect(v(m, 'workflow_resumer_executions', { status: 'completed' })).toBe(SEEDED);
    expect((await fetch(`${web.baseUrl}/api/v1/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } })).status).toBe(401);
  });

  it('serves the worker’s own counters and cycle durations on WORKER_METRICS_PORT', async () => {
    const url = `http://127.0.0.1:${workerPort}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${workerPort}/other`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(404);
    const res = await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    const m = parseExposition(await res.text());
    expectWellFormed(m);
    expect(v(m, 'workflow_resumer_worker_resumed_total')).toBe(SEEDED);
    expect(v(m, 'workflow_resumer_worker_skipped_total')).toBe(0);
    expect(v(m, 'workflow_resumer_worker_errors_total')).toBe(0);
    const cycles = v(m, 'workflow_resumer_worker_cycles_total');
    expect(cycles).toBeGreaterThanOrEqual(1);
    expect(v(m, 'workflow_resumer_worker_cycle_duration_seconds_count')).toBe(cycles);
  });

  it('logs one JSON line per request with the request id, route, status, duration and actor — never the token', async () => {
    const token = await tokenWith(['execution:read'], { db });
    const requestId = `req-${uid('log')}`;
    const res = await call('GET', '/api/v1/executions/00000000-0000-4000-8000-000000000000', { token, baseUrl: web.baseUrl, headers: { 'x-request-id': requestId } });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe(requestId);
    await fetch(`${web.baseUrl}/api/v1/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    let line: Record<string, unknown> | undefined;
    for (let i = 0; i < 50 && !line; i++) {
      line = web
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.requestId === requestId && l.msg === 'request');
      if (!line) await new Promise((r) => setTimeout(r, 100));
    }
    expect(line).toMatchObject({
      level: 'info',
      service: 'web',
      requestId,
      method: 'GET',
      route: '/api/v1/executions/{id}',
      status: 404,
      actor: expect.stringMatching(/^token:/),
    });
    expect(typeof line!.duration_ms).toBe('number');
    expect(typeof line!.time).toBe('string');
    expect(web.output()).not.toContain(token);
    expect(web.output()).not.toContain(METRICS_TOKEN);
  });

  it('puts the request id on every line logged inside a request, however deep', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { log, withLogContext } = await import('./lib/log.ts');
         await withLogContext({ requestId: 'r-deep' }, async () => {
           await new Promise((r) => setTimeout(r, 5));
           log.child({ component: 'engine' }).info({ token: 'never-print-me' }, 'inner');
           await Promise.resolve().then(() => log.warn('later'));
         });
         log.info('outside');`,
      ],
      { env: { ...process.env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => child.once('exit', r));
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.msg, l.requestId])).toEqual([
      ['inner', 'r-deep'],
      ['later', 'r-deep'],
      ['outside', undefined],
    ]);
    expect(out).not.toContain('never-print-me');
  });
});
