/**
 * The OpenAPI document: served without auth, generated from the route table (which lists every
 * route.ts under app/api/v1, see e2e/unit/route-table.test.ts), and telling the truth: real
 * responses of the running server, errors included, validate against what it documents for their
 * status.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { errorCodes, openApiDocument, responseSchema } from '@/lib/api/openapi/document';
import { STATUS_BY_CODE } from '@/lib/api/http-errors';
import { ROUTE_ENTRIES } from '@/lib/api/route-table';
import { PERMISSIONS } from '@/lib/core/access/permissions';
import { resumeDecidedExecutions } from '@/lib/core/worker/resume-decided-executions';
import { log } from '@/lib/log';
import { notifications } from '@/lib/db/schema';
import { BASE_URL, testDb, tokenWith, uid, userWithToken } from '../helpers/env';
import { call, type ApiResponse } from '../helpers/http';
import { rawRequest } from '../helpers/http';
import { APPROVAL_FLOW, CALLBACK_FLOW } from '../helpers/workflows';

type Doc = ReturnType<typeof openApiDocument>;
type Operation = { parameters?: { name: string; in: string; required?: boolean }[]; requestBody?: { required: boolean }; responses: Record<string, unknown>; 'x-permissions': string[] };

function op(doc: Doc, method: string, p: string): Operation | undefined {
  return doc.paths[p]?.[method.toLowerCase()] as Operation | undefined;
}

describe('OpenAPI document', () => {
  let doc: Doc;
  beforeAll(async () => {
    const res = await call<Doc>('GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = res.body;
  });

  it('is OpenAPI 3.1, served without auth, and is the document generated from the schemas', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  it('names the base URL clients reach the server at (NEXTAUTH_URL here), and a license', () => {
    expect(doc.servers.map((s) => s.url)).toEqual([BASE_URL]);
    expect(doc.info.license).toMatchObject({ name: expect.any(String) });
  });

  it('documents every route of the route table with its permissions, inputs, idempotency and error statuses', () => {
    for (const [name, r] of ROUTE_ENTRIES) {
      const o = op(doc, r.method, r.path);
      expect(o, `${name}: ${r.method} ${r.path}`).toBeDefined();
      expect(o!['x-permissions'], name).toEqual([...r.permissions]);
      const spec = r as { body?: z.ZodType; bodyOptional?: boolean; query?: z.ZodObject; idempotent?: boolean };
      if (spec.body) expect(o!.requestBody, name).toMatchObject({ required: !spec.bodyOptional });
      else expect(o!.requestBody, name).toBeUndefined();
      const queryNames = (o!.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name).sort();
      expect(queryNames, name).toEqual(spec.query ? Object.keys(spec.query.shape).sort() : []);
      expect((o!.parameters ?? []).some((p) => p.in === 'header' && p.name === 'Idempotency-Key'), name).toBe(Boolean(spec.idempotent));
      const pathParams = (o!.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      expect(pathParams, name).toEqual([...r.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
      const statuses = Object.keys(o!.responses);
      expect(statuses, name).toContain(String(r.successStatus ?? 200));
      // Always a bad query string and an internal error; the rest from the entry.
      const expected = ['422', '500'];
      if (r.auth !== 'public') expected.push('401');
      if (r.permissions.length > 0 || r.method !== 'GET') expected.push('403');
      if (r.path.includes('{id}')) expected.push('404');
      if (spec.body) expected.push('400', '413', '415');
      if (r.idempotent) expected.push('409');
      if (r.database !== false) expected.push('503');
      expect(statuses, name).toEqual(expect.arrayContaining(expected));
      for (const code of errorCodes(r)) expect(statuses, `${name}: ${code}`).toContain(String(STATUS_BY_CODE[code]));
    }
  });

  it('documents the route table and nothing else', () => {
    const operations = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(operations.sort()).toEqual(ROUTE_ENTRIES.map(([, r]) => `${r.method} ${r.path}`).sort());
  });

  it('resolves every $ref and uses only known permissions', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\/\w+$/);
      expect(doc.components.schemas[ref.split('/').pop()!], ref).toBeDefined();
    }
    for (const ops of Object.values(doc.paths)) {
      for (const o of Object.values(ops) as Operation[]) for (const p of o['x-permissions']) expect(PERMISSIONS).toContain(p);
    }
  });
});

describe('real responses validate against the documented schemas', () => {
  const validated = new Set<string>();
  let admin: string;
  let approver: string;
  let viewer: string;

  /** The response's status is documented for the operation, and its body matches that status's schema. */
  function expectDocumented(method: string, template: string, res: ApiResponse) {
    const schema = responseSchema(method, template, res.status);
    expect(schema, `${method} ${template} answered ${res.status}, which the document does not list: ${JSON.stringify(res.body)}`).toBeDefined();
    const r = schema!.safeParse(res.body);
    expect(r.success, `${method} ${template} ${res.status}: ${r.error ? JSON.stringify(r.error.issues.slice(0, 5)) : ''}\n${JSON.stringify(res.body).slice(0, 1500)}`).toBe(true);
    if (res.status < 300) validated.add(`${method} ${template}`);
    return res;
  }

  const get = async (template: string, p: string, token?: string) => expectDocumented('GET', template, await call('GET', p, { token }));
  const post = async (template: string, p: string, token: string | undefined, body?: unknown) => expectDocumented('POST', template, await call('POST', p, { token, body }));

  beforeAll(async () => {
    admin = await tokenWith(PERMISSIONS);
    approver = await tokenWith(['approval:read', 'approval:decide']);
    viewer = await tokenWith(['workflow:read']);
  });

  afterAll(() => {
    // Every operation's success response was checked against a real one at least once.
    const missing = ROUTE_ENTRIES.map(([, r]) => `${r.method} ${r.path}`).filter((k) => !validated.has(k));
    expect(missing).toEqual([]);
  });

  it('workflows, executions, paused lists, approvals and decisions', async () => {
    const key = uid('oas');
    await post('/api/v1/workflows', '/api/v1/workflows', admin, { key, name: 'OpenAPI check', description: 'documented', definition: APPROVAL_FLOW });
    await get('/api/v1/workflows', '/api/v1/workflows', admin);
    await get('/api/v1/workflows/{id}', `/api/v1/workflows/${key}`, admin);

    const started = await post('/api/v1/executions', '/api/v1/executions', admin, { workflow_id: key, trigger_payload: { amount: 50_000 } });
    const id = (started.body as { id: string }).id;
    expect((started.body as { status: string }).status).toBe('paused');
    await get('/api/v1/executions', '/api/v1/executions?limit=3', admin);
    await get('/api/v1/executions', `/api/v1/executions?status=paused&workflow_id=${key}`, admin);
    const paused = await get('/api/v1/executions/paused', `/api/v1/executions/paused?workflow_id=${key}`, admin);
    expect((paused.body as { executions: { approval: unknown }[] }).executions[0]!.approval).not.toBeNull();

    const detail = await get('/api/v1/executions/{id}', `/api/v1/executions/${id}`, admin);
    await get('/api/v1/executions/{id}/events', `/api/v1/executions/${id}/events?limit=2`, admin);
    const approvalId = (detail.body as { approvals: { id: string }[] }).approvals[0]!.id;
    await get('/api/v1/approvals', '/api/v1/approvals?status=pending&limit=5', approver);
    await get('/api/v1/approvals/{id}', `/api/v1/approvals/${approvalId}`, approver);
    await post('/api/v1/approvals/{id}/approve', `/api/v1/approvals/${approvalId}/approve`, approver, { comment: 'fine' });
    await post('/api/v1/approvals/{id}/approve', `/api/v1/approvals/${approvalId}/approve`, approver, {}); // 409 not_pending
    await resumeDecidedExecutions(testDb(), { batchSize: 1, now: () => new Date(), log, executionId: id });
    const after = await get('/api/v1/executions/{id}', `/api/v1/executions/${id}`, admin);
    expect((after.body as { events: { type: string }[] }).events.map((e) => e.type)).toContain('resumed');
    await get('/api/v1/approvals', '/api/v1/approvals?status=approved&limit=2', approver);

    // A second approval, rejected.
    const second = await post('/api/v1/executions', '/api/v1/executions', admin, { workflow_id: key, trigger_payload: { amount: 60_000 } });
    const d2 = await get('/api/v1/executions/{id}', `/api/v1/executions/${(second.body as { id: string }).id}`, admin);
    await post('/api/v1/approvals/{id}/reject', `/api/v1/approvals/${(d2.body as { approvals: { id: string }[] }).approvals[0]!.id}/reject`, approver);
  });

  it('callbacks by key, extend and reopen', async () => {
    const key = uid('oas-key');
    const steps = [
      { id: 'wait', type: 'pause', reason: 'Gateway', callback_key: 'oas:${order}', next: 'done' },
      { id: 'done', type: 'action', action: { type: 'allow' } },
    ];
    await post('/api/v1/workflows', '/api/v1/workflows', admin, { key, name: 'Keyed', definition: { steps } });
    const order = uid('o');
    await post('/api/v1/callbacks/{key}', `/api/v1/callbacks/oas:${order}`, admin, { resume_data: { paid: 1 } }); // 202 held
    await post('/api/v1/callbacks/{key}', `/api/v1/callbacks/oas:${order}`, admin, { resume_data: { paid: 2 } }); // 409 already held
    await get('/api/v1/callbacks', '/api/v1/callbacks?status=held&limit=2', admin);
    const consumed = await post('/api/v1/executions', '/api/v1/executions', admin, { workflow_id: key, trigger_payload: { order } });
    expect((consumed.body as { status: string }).status).toBe('completed');
    const order2 = uid('o');
    const waiting = await post('/api/v1/executions', '/api/v1/executions', admin, { workflow_id: key, trigger_payload: { order: order2 } });
    const wid = (waiting.body as { id: string }).id;
    await post('/api/v1/executions/{id}/extend', `/api/v1/executions/${wid}/extend`, admin, { by: 'PT1H' });
    await post('/api/v1/executions/{id}/extend', `/api/v1/executions/${wid}/extend`, admin, { by: 'P400D' }); // 422
    await post('/api/v1/callbacks/{key}', `/api/v1/callbacks/oas:${order2}`, admin, { resume_data: { paid: 3 } }); // 200
    await post('/api/v1/executions/{id}/extend', `/api/v1/executions/${wid}/extend`, admin, { by: 'PT1H' }); // 409 not_paused

    const gateKey = uid('oas-gate');
    await post('/api/v1/workflows', '/api/v1/workflows', admin, { key: gateKey, name: 'Gate', definition: APPROVAL_FLOW });
    const gated = await post('/api/v1/executions', '/api/v1/executions', admin, { workflow_id: gateKey, trigger_payload: { amount: 50_000 } });
    const gid = (gated.body as { id: string }).id;
    const decider = await tokenWith(['execution:cancel', 'approval:decide', 'execution:read']);
    await post('/api/v1/executions/{id}/resume', `/api/v1/executions/${gid}/resume`, decider, { resume_data: { approved: false } });
    const gd = await get('/api/v1/executions/{id}', `/api/v1/executions/${gid}`, admin);
    const gApproval = (gd.body as { approvals: { id: string }[] }).approvals[0]!.id;
    await post('/api/v1/approvals/{id}/reopen', `/api/v1/approvals/${gApproval}/reopen`, approver, { reason: 'again' });
    await post('/api/v1/approvals/{id}/reopen', `/api/v1/approvals/${gApproval}/reopen`, approver, {}); // 409
  });

  it('pause, resume and cancel', async () => {
    const key = uid('oas-cb');
    await post('/api/v1/workflows', '/api/v1/workflows', admin, { key, name: 'Callback', definition: CALLBACK_FLOW });
    const cb = await post('/api/v1/executions', '/api/v1/executions', admin, { workflow_id: key });
    const cbId = (cb.body as { id: string }).id;
    await post('/api/v1/executions/{id}/resume', `/api/v1/executions/${cbId}/resume`, admin, { resume_data: { paid: true } });
    await post('/api/v1/executions/{id}/resume', `/api/v1/executions/${cbId}/resume`, admin, { resume_data: { paid: true } }); // 409 not_paused

    const waitKey = uid('oas-wait');
    await post('/api/v1/workflows', '/api/v1/workflows', admin, {
      key: waitKey,
      name: 'Wait',
      definition: { steps: [{ id: 'w', type: 'wait', duration: 'PT1H', next: 'x' }, { id: 'x', type: 'action', action: { type: 'allow' } }] },
    });
    const sleeping = await post('/api/v1/executions', '/api/v1/executions', admin, { workflow_id: waitKey });
    const sid = (sleeping.body as { id: string }).id;
    await post('/api/v1/executions/{id}/pause', `/api/v1/executions/${sid}/pause`, admin, { reason: 'hold on' });
    await post('/api/v1/executions/{id}/resume', `/api/v1/executions/${sid}/resume`, admin);
    await post('/api/v1/executions/{id}/cancel', `/api/v1/executions/${sid}/cancel`, admin, { reason: 'done here' });
  });

  it('errors: every documented error status carries the one error body', async () => {
    await get('/api/v1/executions', '/api/v1/executions'); // 401
    await get('/api/v1/executions', '/api/v1/executions', viewer); // 403
    await get('/api/v1/executions/{id}', '/api/v1/executions/00000000-0000-4000-8000-000000000000', admin); // 404
    await get('/api/v1/executions', '/api/v1/executions?limit=1000', admin); // 422
    await post('/api/v1/executions', '/api/v1/executions', admin, { workflow_id: '' }); // 422 with details
    expectDocumented('POST', '/api/v1/workflows', await call('POST', '/api/v1/workflows', { token: admin, raw: '{not json', headers: { 'content-type': 'application/json' } })); // 400
    expectDocumented('POST', '/api/v1/workflows', await call('POST', '/api/v1/workflows', { token: admin, raw: '<x/>', headers: { 'content-type': 'application/xml' } })); // 415
    await post('/api/v1/workflows', '/api/v1/workflows', admin, { key: 'x'.repeat(65), name: 'n', definition: { steps: [] } }); // 422
    await post('/api/v1/executions', '/api/v1/executions', admin, { workflow_id: uid('missing') }); // 404 for the workflow
    await post('/api/v1/executions/{id}/pause', '/api/v1/executions/not-a-uuid/pause', admin); // 404
    await get('/api/v1/health', '/api/v1/health?verbose=1'); // 422: no route takes unknown query parameters
    await get('/api/v1/me', '/api/v1/me?x=1', admin); // 422
  });

  it('delegation, the outbox and decision links', async () => {
    const [alice, dave] = [await userWithToken('approver'), await userWithToken('approver')];
    const put = async (token: string, body: unknown) => expectDocumented('PUT', '/api/v1/me/delegation', await call('PUT', '/api/v1/me/delegation', { token, body }));
    await put(alice.token, { to: dave.email, until: new Date(Date.now() + 3_600_000).toISOString() });
    await put(alice.token, { to: alice.email, until: new Date(Date.now() + 3_600_000).toISOString() }); // 422
    await get('/api/v1/me/delegation', '/api/v1/me/delegation', dave.token);
    expectDocumented('DELETE', '/api/v1/me/delegation', await call('DELETE', '/api/v1/me/delegation', { token: alice.token }));

    const key = uid('oas-link');
    await post('/api/v1/workflows', '/api/v1/workflows', admin, {
      key,
      name: 'Linked',
      definition: { steps: [{ id: 'gate', type: 'approval', reason: 'By mail', assignees: [alice.email] }] },
    });
    const started = await post('/api/v1/executions', '/api/v1/executions', admin, { workflow_id: key });
    await get('/api/v1/notifications', '/api/v1/notifications?channel=email&limit=3', admin);
    await get('/api/v1/notifications', '/api/v1/notifications', approver); // 403
    // No worker delivers here: the outbox row still holds the link's token.
    const [row] = await testDb()
      .select({ token: notifications.linkToken })
      .from(notifications)
      .where(eq(notifications.executionId, (started.body as { id: string }).id));
    const link = `/api/v1/decision-links/${row!.token}`;
    const view = await get('/api/v1/decision-links/{token}', link);
    await post('/api/v1/decision-links/{token}/approve', `${link}/approve`, undefined, {}); // 403 without the CSRF token
    const csrf = (view.body as { csrf_token: string }).csrf_token;
    const decide = async (d: 'approve' | 'reject') =>
      expectDocumented('POST', `/api/v1/decision-links/{token}/${d}`, await call('POST', `${link}/${d}`, { body: { comment: 'by link' }, headers: { 'x-csrf-token': csrf } }));
    await decide('approve');
    await decide('reject'); // 410 link_closed
    await get('/api/v1/decision-links/{token}', `/api/v1/decision-links/wrd_${'Q'.repeat(43)}`); // 404
    // Documented success of the reject route: a second request, rejected through its link.
    const again = await post('/api/v1/executions', '/api/v1/executions', admin, { workflow_id: key });
    const [row2] = await testDb()
      .select({ token: notifications.linkToken })
      .from(notifications)
      .where(eq(notifications.executionId, (again.body as { id: string }).id));
    const v2 = await get('/api/v1/decision-links/{token}', `/api/v1/decision-links/${row2!.token}`);
    expectDocumented(
      'POST',
      '/api/v1/decision-links/{token}/reject',
      await call('POST', `/api/v1/decision-links/${row2!.token}/reject`, { body: {}, headers: { 'x-csrf-token': (v2.body as { csrf_token: string }).csrf_token } }),
    );
  });

  it('account, operations, health, readiness, metrics and the document itself', async () => {
    await get('/api/v1/me', '/api/v1/me', admin);
    await get('/api/v1/ops/summary', '/api/v1/ops/summary', admin);
    await get('/api/v1/health', '/api/v1/health');
    await get('/api/v1/ready', '/api/v1/ready');
    const metrics = await call('GET', '/api/v1/metrics', { token: admin });
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    validated.add('GET /api/v1/metrics');
    await get('/api/v1/metrics', '/api/v1/metrics'); // 401 is documented with the error body
    // The event stream stays open: its status and content type are what can be checked.
    const events = await rawRequest('GET', '/api/v1/events', { token: admin });
    expect(events.status).toBe(200);
    expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/);
    validated.add('GET /api/v1/events');
    await get('/api/v1/events', '/api/v1/events'); // 401
    const openapi = await call('GET', '/api/v1/openapi.json');
    expect(openapi.status).toBe(200);
    validated.add('GET /api/v1/openapi.json');
  });
});
