import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS } from '@/lib/core/access/permissions';
import { workflowExecutions, workflows } from '@/lib/db/schema';
import { testDb, tokenWith, uid } from '../helpers/env';
import { api } from '../helpers/http';
import { expectError, rawRequest } from '../helpers/http';
import { createWorkflowApi, type ExecutionDetail, startApi } from '../helpers/workflows';

/**
 * The error contract on every existing route: 400 malformed JSON, 404 unknown or malformed ids,
 * 409 wrong state, 413 body over 256 KB, 415 wrong content type, 422 validation — each with the one
 * error body, and nothing written. JSON sent without a content type, as form-urlencoded (curl -d) or
 * as text/plain is accepted on purpose.
 */
const LIMIT = 256 * 1024;
const allowSteps = [{ id: 'a', type: 'action', action: { type: 'allow' } }];

describe('error contract: requests', () => {
  let token: string;
  let wfKey: string;
  let sleepingId: string;
  let completedId: string;
  let pausedId: string; // a callback pause: a resume with good input would succeed

  beforeAll(async () => {
    token = await tokenWith(PERMISSIONS);
    wfKey = await createWorkflowApi(token, [{ id: 'w', type: 'wait', duration: 'PT1H' }]);
    sleepingId = (await startApi(token, wfKey)).started.id;
    const doneKey = await createWorkflowApi(token, allowSteps);
    completedId = (await startApi(token, doneKey)).started.id;
    const callbackKey = await createWorkflowApi(token, [{ id: 'p', type: 'pause', reason: 'Awaiting callback' }]);
    pausedId = (await startApi(token, callbackKey)).started.id;
  });

  async function executionIdsOf(key: string): Promise<string[]> {
    const [wf] = await testDb().select({ id: workflows.id }).from(workflows).where(eq(workflows.key, key));
    if (!wf) return [];
    const rows = await testDb().select({ id: workflowExecutions.id }).from(workflowExecutions).where(eq(workflowExecutions.workflowId, wf.id));
    return rows.map((r) => r.id).sort();
  }

  async function snapshot(id: string) {
    const d = await api(token).get<ExecutionDetail>(`/api/v1/executions/${id}`);
    return { status: d.body.status, version: d.body.version, events: d.body.events.length, error: d.body.error };
  }

  const post = (path: string, body: string | ReadableStream<Uint8Array> | undefined, contentType: string | null = 'application/json', headers?: Record<string, string>) =>
    rawRequest('POST', path, { token, body, contentType, headers });

  const workflowBody = (key = uid('wf')) => JSON.stringify({ key, name: 'W', definition: { steps: allowSteps } });

  // Every 400 and 415 case of the API lives here (bad-input.test.ts has the rest of the corpus).
  describe('400 invalid_json', () => {
    it.each([
      '{',
      '{"key": "x",}',
      'not json',
      '{"workflow_id": "x"} trailing',
      "{'single': 'quotes'}",
      '\u0000',
      '{"resume_data": {"a": 1}',
      '{"resume_data": {a: 1}}',
      '{"resume_data": {"x": 1,}}',
      '[1, 2',
      'NaN',
      '{"a": undefined}',
      '"unterminated',
      '{"resume_data": {"a": 0x10}}',
    ])('refuses %j on every POST route, writing nothing', async (raw) => {
      const before = await executionIdsOf(wfKey);
      const cancelBefore = await snapshot(sleepingId);
      const pausedBefore = await snapshot(pausedId);
      expectError(await post('/api/v1/workflows', raw), 400, 'invalid_json');
      expectError(await post('/api/v1/executions', raw), 400, 'invalid_json');
      expectError(await post(`/api/v1/executions/${sleepingId}/cancel`, raw), 400, 'invalid_json');
      expectError(await post(`/api/v1/executions/${sleepingId}/cancel`, raw, 'application/json', { 'idempotency-key': uid('idem') }), 400, 'invalid_json');
      expectError(await post(`/api/v1/executions/${pausedId}/resume`, raw), 400, 'invalid_json');
      expect(await executionIdsOf(wfKey)).toEqual(before);
      expect(await snapshot(sleepingId)).toEqual(cancelBefore);
      expect(await snapshot(pausedId)).toEqual(pausedBefore);
    });

    it('refuses a truncated workflow body and stores nothing', async () => {
      const key = uid('trunc');
      const full = workflowBody(key);
      expectError(await post('/api/v1/workflows', full.slice(0, full.length - 2)), 400, 'invalid_json');
      expect((await api(token).get(`/api/v1/workflows/${key}`)).status).toBe(404);
    });
  });

  describe('404 not_found', () => {
    const unknownUuid = randomUUID();
    it.each([
      ['GET', `/api/v1/workflows/${uid('nope')}`],
      ['GET', `/api/v1/workflows/${unknownUuid}`],
      ['GET', '/api/v1/workflows/%20'],
      ['GET', `/api/v1/workflows/${'x'.repeat(300)}`],
      ['GET', `/api/v1/executions/${unknownUuid}`],
      ['GET', `/api/v1/executions/${unknownUuid.toUpperCase()}`],
      ['GET', '/api/v1/executions/not-a-uuid'],
      ['GET', '/api/v1/executions/123'],
      ['GET', `/api/v1/executions/${unknownUuid}x`],
      ['GET', "/api/v1/executions/1'%20or%20'1'='1"],
      ['POST', `/api/v1/executions/${unknownUuid}/cancel`],
      ['POST', '/api/v1/executions/not-a-uuid/cancel'],
      ['GET', `/api/v1/executions?workflow_id=${uid('nope')}`],
    ] as const)('%s %s', async (method, path) => {
      const res = await rawRequest(method, path, { token, ...(method === 'POST' ? { body: '{}', contentType: 'application/json' } : {}) });
      expectError(res, 404, 'not_found');
    });

    it('POST /executions for an unknown workflow writes nothing', async () => {
      const key = uid('ghost');
      const res = await post('/api/v1/executions', JSON.stringify({ workflow_id: key, trigger_payload: {} }));
      expectError(res, 404, 'not_found');
      const res2 = await post('/api/v1/executions', JSON.stringify({ workflow_id: randomUUID() }));
      expectError(res2, 404, 'not_found');
      expect(await executionIdsOf(key)).toEqual([]);
    });
  });

  describe('409 conflict', () => {
    it('cancelling a completed execution is refused and changes nothing', async () => {
      const before = await snapshot(completedId);
      expect(before.status).toBe('completed');
      const res = await post(`/api/v1/executions/${completedId}/cancel`, '{}');
      expectError(res, 409, 'conflict');
      expect(await snapshot(completedId)).toEqual(before);
    });

    it('cancelling twice: the first wins, the second is refused (also with an Idempotency-Key of its own)', async () => {
      const id = (await startApi(token, wfKey)).started.id;
      const first = await post(`/api/v1/executions/${id}/cancel`, JSON.stringify({ reason: 'stop' }));
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ id, status: 'cancelled', error: 'stop' });
      const after = await snapshot(id);
      expectError(await post(`/api/v1/executions/${id}/cancel`, '{}'), 409, 'conflict');
      expectError(await post(`/api/v1/executions/${id}/cancel`, undefined, null, { 'idempotency-key': uid('k') }), 409, 'conflict');
      expect(await snapshot(id)).toEqual(after);
    });

    it('cancelling a failed execution is refused', async () => {
      const key = await createWorkflowApi(token, [{ id: 'f', type: 'action', action: { type: 'fail', reason: 'no' } }]);
      const { started } = await startApi(token, key);
      expect(started.status).toBe('failed');
      expectError(await post(`/api/v1/executions/${started.id}/cancel`, undefined, null), 409, 'conflict');
    });

    it('a duplicate workflow key is refused and the first definition stays', async () => {
      const key = uid('dup');
      expect((await post('/api/v1/workflows', workflowBody(key))).status).toBe(201);
      const res = await post('/api/v1/workflows', JSON.stringify({ key, name: 'Other', definition: { steps: [{ id: 'z', type: 'pause' }] } }));
      expectError(res, 409, 'conflict');
      expect((await api(token).get(`/api/v1/workflows/${key}`)).body).toMatchObject({ name: 'W', definition: { steps: allowSteps } });
    });
  });

  describe('413 payload_too_large', () => {
    const sized = (bytes: number, key: string) => {
      const base = JSON.stringify({ workflow_id: key, trigger_payload: { pad: '' } });
      const body = JSON.stringify({ workflow_id: key, trigger_payload: { pad: 'x'.repeat(bytes - base.length) } });
      expect(Buffer.byteLength(body)).toBe(bytes);
      return body;
    };

    it('a body of exactly 256 KB is accepted; one byte more is refused and nothing is written', async () => {
      const key = await createWorkflowApi(token, allowSteps);
      const over = await post('/api/v1/executions', sized(LIMIT + 1, key));
      expectError(over, 413, 'payload_too_large');
      expect(await executionIdsOf(key)).toEqual([]);
      const atLimit = await post('/api/v1/executions', sized(LIMIT, key));
      expect(atLimit.status).toBe(201);
      expect(await executionIdsOf(key)).toEqual([(atLimit.body as { id: string }).id]);
    });

    it('refuses an oversized body on every POST route', async () => {
      const before = await snapshot(sleepingId);
      const big = JSON.stringify({ reason: 'x'.repeat(LIMIT) });
      const key = uid('big');
      expectError(await post('/api/v1/workflows', JSON.stringify({ key, name: 'x'.repeat(LIMIT), definition: { steps: allowSteps } })), 413, 'payload_too_large');
      expectError(await post('/api/v1/executions', JSON.stringify({ workflow_id: wfKey, trigger_payload: { pad: 'x'.repeat(LIMIT) } })), 413, 'payload_too_large');
      expectError(await post(`/api/v1/executions/${sleepingId}/cancel`, big), 413, 'payload_too_large');
      expectError(await post(`/api/v1/executions/${sleepingId}/cancel`, big, 'application/json', { 'idempotency-key': uid('k') }), 413, 'payload_too_large');
      expect((await api(token).get(`/api/v1/workflows/${key}`)).status).toBe(404);
      expect(await snapshot(sleepingId)).toEqual(before);
    });

    it('refuses an oversized body sent in chunks without a content-length', async () => {
      const key = await createWorkflowApi(token, allowSteps);
      const bytes = new TextEncoder().encode(JSON.stringify({ workflow_id: key, trigger_payload: { pad: 'x'.repeat(LIMIT + 1000) } }));
      const stream = new ReadableStream<Uint8Array>({
        start(ctrl) {
          for (let i = 0; i < bytes.length; i += 16_384) ctrl.enqueue(bytes.slice(i, i + 16_384));
          ctrl.close();
        },
      });
      expectError(await post('/api/v1/executions', stream), 413, 'payload_too_large');
      expect(await executionIdsOf(key)).toEqual([]);
    });
  });

  describe('415 unsupported_media_type', () => {
    it.each(['text/xml', 'application/xml', 'text/html', 'multipart/form-data; boundary=x', 'image/png', 'application/octet-stream', 'text/csv', 'application/javascript'])(
      'refuses %s on every POST route, writing nothing',
      async (type) => {
        const key = uid('ct');
        const before = await snapshot(sleepingId);
        const pausedBefore = await snapshot(pausedId);
        const ids = await executionIdsOf(wfKey);
        expectError(await post('/api/v1/workflows', workflowBody(key), type), 415, 'unsupported_media_type');
        expectError(await post('/api/v1/executions', JSON.stringify({ workflow_id: wfKey }), type), 415, 'unsupported_media_type');
        expectError(await post(`/api/v1/executions/${sleepingId}/cancel`, '{}', type), 415, 'unsupported_media_type');
        expectError(await post(`/api/v1/executions/${pausedId}/resume`, '{"resume_data": {"ok": true}}', type), 415, 'unsupported_media_type');
        expect((await api(token).get(`/api/v1/workflows/${key}`)).status).toBe(404);
        expect(await executionIdsOf(wfKey)).toEqual(ids);
        expect(await snapshot(sleepingId)).toEqual(before);
        expect(await snapshot(pausedId)).toEqual(pausedBefore);
      },
    );

    it.each([
      ['application/json', 'application/json'],
      ['application/json with a charset', 'application/json; charset=utf-8'],
      ['no content type at all', null],
      ['application/x-www-form-urlencoded (curl -d)', 'application/x-www-form-urlencoded'],
      ['text/plain', 'text/plain;charset=UTF-8'],
      ['a +json type', 'application/vnd.api+json'],
    ])('accepts JSON sent as %s', async (_label, type) => {
      const key = uid('ct');
      const created = await post('/api/v1/workflows', workflowBody(key), type);
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const started = await post('/api/v1/executions', JSON.stringify({ workflow_id: key, trigger_payload: { via: type } }), type);
      expect(started.status).toBe(201);
      expect(started.body).toMatchObject({ status: 'completed', trigger_payload: { via: type } });
      const sleeping = (await startApi(token, wfKey)).started.id;
      const cancelled = await post(`/api/v1/executions/${sleeping}/cancel`, JSON.stringify({ reason: 'ct' }), type);
      expect(cancelled.status).toBe(200);
    });
  });

  describe('422 validation_failed', () => {
    it.each([
      ['a missing workflow_id', { trigger_payload: {} }, 'workflow_id'],
      ['an empty workflow_id', { workflow_id: '' }, 'workflow_id'],
      ['a numeric workflow_id', { workflow_id: 5 }, 'workflow_id'],
      ['a string trigger_payload', { workflow_id: 'x', trigger_payload: 'hello' }, 'trigger_payload'],
      ['an array trigger_payload', { workflow_id: 'x', trigger_payload: [1] }, 'trigger_payload'],
      ['a null trigger_payload', { workflow_id: 'x', trigger_payload: null }, 'trigger_payload'],
      ['an unknown field', { workflow_id: 'x', priority: 1 }, ''],
    ])('POST /executions with %s, writing nothing', async (_label, body, path) => {
      const ids = await executionIdsOf(wfKey);
      const res = await post('/api/v1/executions', JSON.stringify({ ...body, ...(path === 'trigger_payload' ? { workflow_id: wfKey } : {}) }));
      const err = expectError(res, 422, 'validation_failed');
      expect(err.error.details?.[0]?.path).toBe(path);
      expect(await executionIdsOf(wfKey)).toEqual(ids);
    });

    it.each([
      ['an empty body', ''],
      ['a JSON null', 'null'],
      ['a JSON array', '[]'],
      ['a JSON string', '"x"'],
    ])('POST /workflows and POST /executions refuse %s', async (_label, raw) => {
      expectError(await post('/api/v1/workflows', raw), 422, 'validation_failed');
      expectError(await post('/api/v1/executions', raw), 422, 'validation_failed');
    });

    it.each([
      ['a numeric reason', { reason: 5 }, 'reason'],
      ['a reason over 1000 characters', { reason: 'x'.repeat(1001) }, 'reason'],
      ['an unknown field', { why: 'x' }, ''],
    ])('POST /executions/{id}/cancel with %s changes nothing', async (_label, body, path) => {
      const before = await snapshot(sleepingId);
      const err = expectError(await post(`/api/v1/executions/${sleepingId}/cancel`, JSON.stringify(body)), 422, 'validation_failed');
      expect(err.error.details?.[0]?.path).toBe(path);
      expect(await snapshot(sleepingId)).toEqual(before);
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=1.5', 'limit'],
      ['status=sleeping', 'status'],
      ['cursor=%25%25%25', 'cursor'],
      ['cursor=bm90LWpzb24', 'cursor'],
      ['colour=red', ''],
      ['status=running&status=paused', 'status'],
    ])('GET /executions?%s', async (query, field) => {
      const err = expectError(await rawRequest('GET', `/api/v1/executions?${query}`, { token }), 422, 'validation_failed');
      expect(err.error.message).toContain(field);
    });

    it('a 422 lists each problem with its path in details', async () => {
      const res = await post('/api/v1/workflows', JSON.stringify({ key: 'BAD KEY', definition: { steps: [] } }));
      const err = expectError(res, 422, 'validation_failed');
      expect(err.error.details!.map((d) => d.path).sort()).toEqual(['definition.steps', 'key', 'name']);
      for (const d of err.error.details!) expect(Object.keys(d).sort()).toEqual(['message', 'path']);
    });
  });

  it('the sleeping execution used above was never changed by any refused request', async () => {
    const d = await api(token).get<ExecutionDetail>(`/api/v1/executions/${sleepingId}`);
    expect(d.body).toMatchObject({ status: 'running', current_step_id: 'w', error: null });
    expect(d.body.events.map((e) => e.type)).toEqual(['started', 'waiting']);
  });
});
