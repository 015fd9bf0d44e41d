import type { Step } from '@/lib/core/engine/definition';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { and, count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '@/lib/core/access/permissions';
import { runExecution } from '@/lib/core/engine/run-execution';
import { encodeCursor } from '@/lib/core/pagination';
import type { Db } from '@/lib/db/client';
import { idempotencyKeys, workflowExecutions, workflows } from '@/lib/db/schema';
import { isolatedDatabase, testDb, uid, userWithToken } from '../helpers/env';
import { api, type ApiResponse } from '../helpers/http';
import { spawnWorker, waitForOutput, type Proc } from '../helpers/processes';
import { startWebServer, type WebServer } from '../helpers/web-server';
import { expectError, rawRequest } from '../helpers/http';
import { createWorkflowApi, type EventDto, type ExecutionDetail, setChain, startExecutionApi, waitFor } from '../helpers/workflows';

/**
 * Issue 10, items 7–11 — input that would hurt everyone: a huge body behind an Idempotency-Key,
 * loops that never stop, a context that grows without bound, crafted cursors, idempotency keys that
 * never expire. Over real HTTP on real PostgreSQL; the parts that need their own settings (a small
 * step budget, a short idempotency TTL) or their own process (memory, logs) run a web server and a
 * worker of their own on a database of their own.
 */
type Person = Awaited<ReturnType<typeof userWithToken>>;

const MB = 1024 * 1024;
const CALLBACK = [
  { id: 'p', type: 'pause', reason: 'Awaiting callback', next: 'done' },
  { id: 'done', type: 'action', action: { type: 'set', values: { done: true } } },
];
/** Pauses again after every resume: a loop, but one that waits for somebody each time round. */
const PAUSE_LOOP = [{ id: 'again', type: 'pause', reason: 'Send more', next: 'again' }];
const SLEEP = [
  { id: 'w', type: 'wait', duration: 'PT1H', next: 'done' },
  { id: 'done', type: 'action', action: { type: 'allow' } },
];
/** What issue 10 reported: a log step continuing at itself. */
const SPIN: Step[] = [{ id: 'spin', type: 'action', action: { type: 'log', message: 'again' }, next: 'spin' }];

let starter: Person;
let operator: Person;
let decider: Person;
beforeAll(async () => {
  [starter, operator, decider] = await Promise.all([userWithToken('admin'), userWithToken('operator'), userWithToken('admin')]);
});

/** A body of `bytes` in 64 KB chunks, streamed (chunked, no Content-Length). */
function streamOf(bytes: number): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      controller.enqueue(chunk);
      sent += chunk.byteLength;
    },
  });
}

/** A JSON body of about `bytes`: {"resume_data":{"x":"aaaa…"}}. */
const bigJson = (bytes: number) => `{"resume_data":{"x":"${'a'.repeat(bytes)}"}}`;

async function executionState(token: string, id: string) {
  const d = (await api(token).get<ExecutionDetail & { resume_count: number }>(`/api/v1/executions/${id}`)).body;
  return { status: d.status, version: d.version, resume_count: d.resume_count, context: d.context };
}

async function keysOf(db: Db, actor: string) {
  return db.select().from(idempotencyKeys).where(eq(idempotencyKeys.actor, actor));
}

describe('item 7: Idempotency-Key does not switch off the 256 KB body limit', () => {
  it.each([
    ['declared (Content-Length: 8 MB)', () => new TextEncoder().encode(bigJson(8 * MB))],
    ['streamed (chunked, 8 MB)', () => streamOf(8 * MB)],
  ])('an 8 MB body %s with an Idempotency-Key → 413, nothing written', async (_how, body) => {
    const key = await createWorkflowApi(starter.token, { steps: CALLBACK });
    const ex = await startExecutionApi(starter.token, key);
    const before = await executionState(starter.token, ex.id);
    const res = await rawRequest('POST', `/api/v1/executions/${ex.id}/resume`, {
      token: operator.token,
      body: body() as Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>,
      contentType: 'application/json',
      headers: { 'idempotency-key': uid('huge') },
    });
    expectError(res, 413, 'payload_too_large');
    expect(await executionState(starter.token, ex.id)).toEqual(before);
    expect(await keysOf(testDb(), operator.email)).toEqual([]);
  });

  it('a body under the limit with an Idempotency-Key still works and replays', async () => {
    const key = await createWorkflowApi(starter.token, { steps: CALLBACK });
    const ex = await startExecutionApi(starter.token, key);
    const body = JSON.stringify({ resume_data: { note: 'n'.repeat(40_000) } });
    const send = () => rawRequest('POST', `/api/v1/executions/${ex.id}/resume`, { token: operator.token, body, contentType: 'application/json', headers: { 'idempotency-key': `ok-${ex.id}` } });
    const first = await send();
    expect(first.status).toBe(200);
    const retry = await send();
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
  });
});

describe('item 8: loops end', () => {
  it('refuses a definition with a loop that never pauses (422 naming the loop), accepts one that waits', async () => {
    const res = await api(starter.token).post('/api/v1/workflows', { key: uid('spin'), name: 'Spin', definition: { steps: SPIN } });
    const err = expectError(res, 422, 'validation_failed');
    expect(err.error.message).toMatch(/^definition\.steps\.0\.next: the loop spin → spin has no pause, approval or wait step/);
    expect(err.error.details).toEqual([expect.objectContaining({ path: 'definition.steps.0.next' })]);
    const branching = [
      { id: 'count', type: 'action', action: { type: 'set', values: { counted: true } }, next: 'check' },
      { id: 'check', type: 'condition', condition: { field: 'stop', operator: 'exists' }, on_true: 'end', on_false: 'count' },
      { id: 'end', type: 'action', action: { type: 'allow' } },
    ];
    const viaCondition = await api(starter.token).post('/api/v1/workflows', { key: uid('loop'), name: 'Loop', definition: { steps: branching } });
    expect(expectError(viaCondition, 422, 'validation_failed').error.message).toContain('count → check → count');
    expect((await api(starter.token).post('/api/v1/workflows', { key: uid('loop-ok'), name: 'Waits', definition: { steps: PAUSE_LOOP } })).status).toBe(201);
  });

  it('GET /executions/{id} carries the newest 50 events; GET /executions/{id}/events pages the older ones', async () => {
    const key = await createWorkflowApi(starter.token, { steps: setChain(70) });
    const ex = await startExecutionApi(starter.token, key);
    expect(ex.status).toBe('completed');
    const d = (await api(starter.token).get<ExecutionDetail & { events_next_cursor: string | null }>(`/api/v1/executions/${ex.id}`)).body;
    expect(d.events).toHaveLength(50);
    expect(d.events.at(-1)!.type).toBe('completed');
    const ids = d.events.map((e) => e.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids); // still chronological
    expect(d.events_next_cursor).not.toBeNull();

    let all: EventDto[] = d.events;
    let cursor: string | null = d.events_next_cursor;
    let pages = 0;
    while (cursor) {
      const page = await api(starter.token).get<{ events: EventDto[]; count: number; next_cursor: string | null }>(`/api/v1/executions/${ex.id}/events?limit=10&cursor=${cursor}`);
      expect(page.status).toBe(200);
      expect(page.body.count).toBe(page.body.events.length);
      all = [...page.body.events, ...all];
      cursor = page.body.next_cursor;
      pages++;
    }
    expect(pages).toBe(3); // 72 events: 50 + 10 + 10 + 2
    expect(all).toHaveLength(72);
    expect(all[0]!.type).toBe('started');
    expect(all.filter((e) => e.type === 'step_completed').map((e) => e.step_id)).toEqual(Array.from({ length: 70 }, (_, i) => `s${i + 1}`));
    const first = await api(starter.token).get(`/api/v1/executions/${ex.id}/events?limit=3`);
    expect(first.body.events.map((e: EventDto) => e.id)).toEqual(ids.slice(-3));

    expectError(await api(starter.token).get(`/api/v1/executions/${ex.id}/events?cursor=${encodeCursor(['1'])}`), 422, 'validation_failed');
    expectError(await api(starter.token).get(`/api/v1/executions/${ex.id}/events?cursor=${encodeCursor([-1])}`), 422, 'validation_failed');
    expectError(await api(starter.token).get(`/api/v1/executions/${ex.id}/events?limit=201`), 422, 'validation_failed');
    expectError(await api(starter.token).get('/api/v1/executions/00000000-0000-4000-8000-000000000000/events'), 404, 'not_found');
  });
});

describe('item 9: the context is capped', () => {
  it('refuses the resume that would take the context past 256 KB with 422 context_too_large, writing nothing', async () => {
    const key = await createWorkflowApi(starter.token, { steps: PAUSE_LOOP });
    const ex = await startExecutionApi(starter.token, key);
    for (let i = 1; i <= 4; i++) {
      const r = await api(operator.token).post(`/api/v1/executions/${ex.id}/resume`, { resume_data: { [`part${i}`]: 'x'.repeat(60_000) } });
      expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(200);
      expect(r.body.status).toBe('paused');
    }
    const before = await executionState(starter.token, ex.id);
    const fifth = await api(operator.token).post(`/api/v1/executions/${ex.id}/resume`, { resume_data: { part5: 'x'.repeat(60_000) } });
    expect(expectError(fifth, 422, 'context_too_large').error.message).toMatch(/over the limit of 262144 bytes \(MAX_CONTEXT_BYTES\)/);
    expect(await executionState(starter.token, ex.id)).toEqual(before);
    // Replacing a part instead of adding one keeps it under the cap.
    expect((await api(operator.token).post(`/api/v1/executions/${ex.id}/resume`, { resume_data: { part4: 'small' } })).status).toBe(200);
  });

  it('refuses a start whose set step would take it past the cap, creating nothing', async () => {
    const key = await createWorkflowApi(starter.token, { steps: [{ id: 'grow', type: 'action', action: { type: 'set', values: { big: 'y'.repeat(150_000) } } }] });
    const res = await api(starter.token).post('/api/v1/executions', { workflow_id: key, trigger_payload: { payload: 'z'.repeat(150_000) } });
    expect(expectError(res, 422, 'context_too_large').error.message).toMatch(/^step grow would make the context/);
    const [wf] = await testDb().select({ id: workflows.id }).from(workflows).where(eq(workflows.key, key));
    expect((await testDb().select({ n: count() }).from(workflowExecutions).where(eq(workflowExecutions.workflowId, wf!.id)))[0]!.n).toBe(0);
  });

  it('refuses the decision whose data would take the context past the cap; the approval stays pending', async () => {
    const key = await createWorkflowApi(starter.token, { steps: [{ id: 'gate', type: 'approval', reason: 'Big', on_approve: 'done' }, { id: 'done', type: 'action', action: { type: 'allow' } }] });
    // A context a little under 256 KB: the decision's fields (who, when, which approval) do not fit.
    const ex = await startExecutionApi(starter.token, key, { blob: 'b'.repeat(256 * 1024 - 200) });
    expect(ex.status).toBe('paused');
    const approvalId = (await api(starter.token).get<ExecutionDetail>(`/api/v1/executions/${ex.id}`)).body.approvals[0]!.id;
    const before = await executionState(starter.token, ex.id);
    expectError(await api(decider.token).post(`/api/v1/approvals/${approvalId}/approve`, { comment: 'fine' }), 422, 'context_too_large');
    expectError(await api(decider.token).post(`/api/v1/executions/${ex.id}/resume`, { resume_data: { approved: true } }), 422, 'context_too_large');
    expect(await executionState(starter.token, ex.id)).toEqual(before);
    expect((await api(starter.token).get(`/api/v1/approvals/${approvalId}`)).body).toMatchObject({ status: 'pending', approvals_received: 0, decisions: [] });
  });

  it('a set step run later by the worker that would pass the cap fails the execution with that reason', async () => {
    const key = await createWorkflowApi(starter.token, {
      steps: [
        { id: 'cool-off', type: 'wait', duration: 'PT1M', next: 'grow' },
        { id: 'grow', type: 'action', action: { type: 'set', values: { big: 'y'.repeat(100_000) } } },
      ],
    });
    const ex = await startExecutionApi(starter.token, key, { payload: 'z'.repeat(200_000) });
    expect(ex.status).toBe('running');
    // What the worker's wake-up phase does once the wait is over.
    await runExecution(testDb(), ex.id, { actor: SYSTEM_ACTOR.id, now: () => new Date(Date.now() + 120_000) });
    const d = (await api(starter.token).get<ExecutionDetail>(`/api/v1/executions/${ex.id}`)).body;
    expect(d.status).toBe('failed');
    expect(d.error).toMatch(/^context_too_large: step grow would make the context \d+ bytes/);
    expect(d.events.at(-1)).toMatchObject({ type: 'failed', step_id: 'grow', data: { error: d.error } });
    expect(d.context).not.toHaveProperty('big');
  });

  it('GET /executions returns no contexts', async () => {
    const key = await createWorkflowApi(starter.token, { steps: PAUSE_LOOP });
    for (let i = 0; i < 3; i++) {
      const ex = await startExecutionApi(starter.token, key, { n: i });
      await api(operator.token).post(`/api/v1/executions/${ex.id}/resume`, { resume_data: { a: 'x'.repeat(60_000), b: 'x'.repeat(60_000) } });
    }
    const res = await rawRequest('GET', `/api/v1/executions?workflow_id=${key}&limit=10`, { token: starter.token });
    expect(res.status).toBe(200);
    const page = res.body as { executions: Record<string, unknown>[] };
    expect(page.executions).toHaveLength(3);
    for (const e of page.executions) expect(e).not.toHaveProperty('context');
    expect(JSON.stringify(res.body).length).toBeLessThan(10_000);
  });
});

/** Crafted keyset cursors: base64url of JSON that is not what the server wrote. */
const CRAFTED: [string, string][] = [
  ['a year before 0 (-005000)', encodeCursor(['-005000-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000'])],
  ['a six-digit year', encodeCursor(['+275760-09-13T00:00:00.000Z', '00000000-0000-4000-8000-000000000000'])],
  ['year 0', encodeCursor(['0000-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000'])],
  ['February 30', encodeCursor(['2025-02-30T00:00:00.000Z', '00000000-0000-4000-8000-000000000000'])],
  ['a date without time', encodeCursor(['2025-01-01', '00000000-0000-4000-8000-000000000000'])],
  ['a number for the date', encodeCursor([1_700_000_000_000, '00000000-0000-4000-8000-000000000000'])],
  ['a non-uuid id', encodeCursor(['2025-01-01T00:00:00.000Z', 'x'])],
  ['three parts', encodeCursor(['2025-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000', 'x'])],
  ['an object', Buffer.from('{"at":"2025-01-01T00:00:00.000Z"}').toString('base64url')],
  ['not base64 JSON', 'bm9wZQ'],
];
const LISTS = ['/api/v1/executions', '/api/v1/executions/paused', '/api/v1/approvals'];

describe('item 10: crafted cursors are refused', () => {
  it.each(LISTS.flatMap((list) => CRAFTED.map(([name, cursor]) => [list, name, cursor] as const)))('%s with %s → 422', async (list, _name, cursor) => {
    const res = await api(starter.token).get(`${list}?cursor=${cursor}`);
    expect(expectError(res, 422, 'validation_failed').error.message).toBe('invalid cursor');
  });

  it('a cursor the server wrote still pages', async () => {
    const page = await api(starter.token).get('/api/v1/executions?limit=1');
    expect((await api(starter.token).get(`/api/v1/executions?limit=1&cursor=${page.body.next_cursor}`)).status).toBe(200);
  });
});

describe('item 11: idempotency keys expire, and an abandoned one is taken over', () => {
  async function sleeping() {
    const key = await createWorkflowApi(starter.token, { steps: SLEEP });
    return startExecutionApi(starter.token, key);
  }
  const pause = (id: string, key: string, reason = 'hold') => api(operator.token).post(`/api/v1/executions/${id}/pause`, { reason }, { 'idempotency-key': key });
  const age = (key: string, ms: number) =>
    testDb()
      .update(idempotencyKeys)
      .set({ createdAt: sql`${idempotencyKeys.createdAt} - (${ms} * interval '1 millisecond')` })
      .where(and(eq(idempotencyKeys.actor, operator.email), eq(idempotencyKeys.key, key)));

  it('a key older than IDEMPOTENCY_TTL (24 h) counts as unused: the request runs again', async () => {
    const ex = await sleeping();
    const key = uid('ttl');
    const first = await pause(ex.id, key);
    expect(first.status).toBe(200);
    expect((await api(operator.token).post(`/api/v1/executions/${ex.id}/resume`, {})).status).toBe(200);
    // Within the TTL a retry replays the first answer…
    const replay = await pause(ex.id, key);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect((await executionState(starter.token, ex.id)).status).toBe('running');
    // …past it, the same key is a new request (and may carry another body).
    await age(key, 25 * 3_600_000);
    const again = await pause(ex.id, key, 'hold again');
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body).toMatchObject({ status: 'paused', paused_reason: 'hold again' });
  });

  it('a key left in progress by a request that died is taken over after 60 s; a fresh one still answers 409', async () => {
    const ex = await sleeping();
    const key = uid('stuck');
    const scope = `POST /api/v1/executions/${ex.id}/pause`;
    // The same request, claimed by a process that then died before answering.
    const requestHash = createHash('sha256').update(scope).update('\n').update(JSON.stringify({ reason: 'hold' })).digest('hex');
    await testDb().insert(idempotencyKeys).values({ actor: operator.email, key, scope, requestHash, createdAt: new Date() });
    expectError(await pause(ex.id, key), 409, 'idempotency_in_progress');
    await age(key, 61_000);
    const taken = await pause(ex.id, key);
    expect(taken.status, JSON.stringify(taken.body)).toBe(200);
    expect(taken.body.status).toBe('paused');
    const [row] = await keysOf(testDb(), operator.email).then((rows) => rows.filter((r) => r.key === key));
    expect(row).toMatchObject({ statusCode: 200, scope });
  });
});

describe('with a web server and a worker of their own (MAX_STEPS_PER_EXECUTION=1200, IDEMPOTENCY_TTL=1h)', () => {
  let iso: Awaited<ReturnType<typeof isolatedDatabase>>;
  let db: Db;
  let web: WebServer;
  let worker: Proc;
  let admin: Person;
  const env = { MAX_STEPS_PER_EXECUTION: '1200', IDEMPOTENCY_TTL: '1h', LOG_LEVEL: 'info' };

  beforeAll(async () => {
    iso = await isolatedDatabase(4);
    db = iso.db;
    [web, admin] = await Promise.all([startWebServer(iso.url, env), userWithToken('admin', db)]);
    worker = spawnWorker(iso.url, env);
    await waitForOutput(worker, /Starting workflow resumer worker/);
  }, 120_000);
  afterAll(async () => {
    if (worker && worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await web?.stop();
    await iso?.close();
  });

  const own = (token: string) => api(token, web.baseUrl);

  /** Peak resident memory of the web server's process, from /proc. */
  const peakRss = () => Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${web.child.pid}/status`, 'utf8'))![1]) * 1024;

  it('item 7: 64 MB bodies with an Idempotency-Key are refused without being read into memory', async () => {
    const key = await (async () => {
      const k = uid('mem');
      expect((await own(admin.token).post('/api/v1/workflows', { key: k, name: 'Mem', definition: { steps: CALLBACK } })).status).toBe(201);
      return k;
    })();
    const ex = (await own(admin.token).post('/api/v1/executions', { workflow_id: key })).body as { id: string };
    // Warm the route up first, so the baseline includes its code.
    await own(admin.token).post(`/api/v1/executions/${ex.id}/resume`, { resume_data: 'not an object' });
    const baseline = peakRss();
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${web.baseUrl}/api/v1/executions/${ex.id}/resume`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json', 'idempotency-key': uid('big') },
        body: streamOf(64 * MB),
        duplex: 'half',
      } as RequestInit & { duplex: 'half' });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    }
    // Reading 64 MB whole (as text, then a copy for the replay) grew the process by over 200 MB.
    expect(peakRss() - baseline).toBeLessThan(32 * MB);
    expect((await own(admin.token).get(`/api/v1/executions/${ex.id}`)).body).toMatchObject({ status: 'paused', resume_count: 0 });
  });

  it('item 8: a loop stored before loops were checked ends as failed at the step budget, run on by the worker', async () => {
    const [wf] = await db.insert(workflows).values({ key: uid('legacy-spin'), name: 'Legacy spin', definition: { steps: SPIN } }).returning();
    const started = await own(admin.token).post('/api/v1/executions', { workflow_id: wf!.key });
    expect(started.status).toBe(201);
    // The request runs its 1,000 steps and hands the rest to the worker, which runs until the budget.
    expect(started.body.status).toBe('running');
    const done = await waitFor(
      () => own(admin.token).get<ExecutionDetail & { events_next_cursor: string | null }>(`/api/v1/executions/${started.body.id}`),
      (r) => r.body.status !== 'running',
      60_000,
      200,
    );
    expect(done.body.status).toBe('failed');
    expect(done.body.error).toBe('step budget exhausted: 1200 steps run, the limit is 1200 (MAX_STEPS_PER_EXECUTION)');
    expect(done.body.events).toHaveLength(50);
    expect(done.body.events.at(-1)).toMatchObject({ type: 'failed', step_id: 'spin', data: { error: done.body.error } });
    const [row] = await db.select({ stepsRun: workflowExecutions.stepsRun }).from(workflowExecutions).where(eq(workflowExecutions.id, started.body.id));
    expect(row!.stepsRun).toBe(1200);
    // Exactly the budget ran, and nothing after the failure: the timeline, paged back to its start.
    let total = done.body.events.length;
    let cursor = done.body.events_next_cursor;
    while (cursor) {
      const page: ApiResponse = await own(admin.token).get(`/api/v1/executions/${started.body.id}/events?limit=200&cursor=${cursor}`);
      total += page.body.count;
      cursor = page.body.next_cursor;
    }
    expect(total).toBe(1 + 1200 + 1); // started, 1,200 steps, failed
  });

  it('item 10: crafted cursors are refused without logging a query or its parameters', async () => {
    const crafted = CRAFTED[0]![1];
    const mark = web.output().length;
    for (const list of LISTS) expectError(await own(admin.token).get(`${list}?cursor=${crafted}`), 422, 'validation_failed');
    await new Promise((r) => setTimeout(r, 200));
    const logged = web.output().slice(mark);
    expect(logged).toMatch(/"status":422/);
    expect(logged).not.toMatch(/select|-005000|unhandled error|"status":500/i);
  });

  it('item 11: the worker deletes keys older than IDEMPOTENCY_TTL; younger ones stay', async () => {
    const actor = 'ttl-test@example.com';
    const at = (msAgo: number) => new Date(Date.now() - msAgo);
    await db.insert(idempotencyKeys).values([
      ...Array.from({ length: 120 }, (_, i) => ({ actor, key: `old-${i}`, scope: 'POST /x', requestHash: 'h', statusCode: 200, response: {}, createdAt: at(2 * 3_600_000 + i) })),
      { actor, key: 'young', scope: 'POST /x', requestHash: 'h', statusCode: 200, response: {}, createdAt: at(30 * 60_000) },
    ]);
    const left = await waitFor(() => keysOf(db, actor), (rows) => rows.length === 1, 30_000, 200);
    expect(left.map((r) => r.key)).toEqual(['young']);
    await waitForOutput(worker, /"idempotency_keys_deleted":[1-9]/);
  });
});
