import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, revokeApiToken } from '@/lib/core/access/api-tokens';
import { PERMISSIONS, type Permission } from '@/lib/core/access/permissions';
import { workflowExecutions, workflows } from '@/lib/db/schema';
import { testDb, tokenWith, uid } from '../helpers/env';
import { api } from '../helpers/http';
import { expectError, rawRequest } from '../helpers/http';
import { createWorkflowApi, type ExecutionDetail, startApi } from '../helpers/workflows';

/**
 * 401 and 403 on every existing route, with the one error body, and nothing written.
 * Authentication comes before anything else: a bad token gets 401 whatever the body says.
 */
type Route = { name: string; method: 'GET' | 'POST'; path: (executionId?: string) => string; permission: Permission; body?: () => unknown };

describe('error contract: authentication and permissions on every route', () => {
  let admin: string;
  let revoked: string;
  let expired: string;
  let wfKey: string;
  let runningId: string;
  let before: ExecutionDetail;

  beforeAll(async () => {
    admin = await tokenWith(PERMISSIONS);
    const r = await createApiToken(testDb(), { name: uid('revoked'), permissions: PERMISSIONS.filter((p) => p !== 'approval:decide') });
    await revokeApiToken(testDb(), r.name);
    revoked = r.token;
    const e = await createApiToken(testDb(), { name: uid('expired'), permissions: PERMISSIONS.filter((p) => p !== 'approval:decide'), expiresInMs: 60_000, now: new Date(Date.now() - 3_600_000) });
    expired = e.token;
    wfKey = await createWorkflowApi(admin, [{ id: 'w', type: 'wait', duration: 'PT1H' }]);
    const started = await startApi(admin, wfKey, { n: 1 });
    runningId = started.started.id;
    before = started.detail;
  });

  const ROUTES: Route[] = [
    { name: 'GET /workflows', method: 'GET', path: () => '/api/v1/workflows', permission: 'workflow:read' },
    {
      name: 'POST /workflows',
      method: 'POST',
      path: () => '/api/v1/workflows',
      permission: 'workflow:write',
      body: () => ({ key: uid('never'), name: 'Never', definition: { steps: [{ id: 'a', type: 'action', action: { type: 'allow' } }] } }),
    },
    { name: 'GET /workflows/{id}', method: 'GET', path: () => `/api/v1/workflows/${wfKey}`, permission: 'workflow:read' },
    { name: 'GET /executions', method: 'GET', path: () => '/api/v1/executions', permission: 'execution:read' },
    { name: 'POST /executions', method: 'POST', path: () => '/api/v1/executions', permission: 'execution:create', body: () => ({ workflow_id: wfKey }) },
    { name: 'GET /executions/{id}', method: 'GET', path: (id = runningId) => `/api/v1/executions/${id}`, permission: 'execution:read' },
    { name: 'POST /executions/{id}/cancel', method: 'POST', path: (id = runningId) => `/api/v1/executions/${id}/cancel`, permission: 'execution:cancel', body: () => ({ reason: 'x' }) },
  ];

  const AUTH_CASES: [string, () => string | undefined][] = [
    ['no Authorization header', () => undefined],
    ['an empty Authorization header', () => ''],
    ['a Basic scheme', () => `Basic ${Buffer.from('admin:admin').toString('base64')}`],
    ['"Bearer" without a token', () => 'Bearer'],
    ['"Bearer " and spaces only', () => 'Bearer    '],
    ['a token with a space in it', () => `Bearer ${admin.slice(0, 8)} ${admin.slice(8)}`],
    ['the token without the Bearer scheme', () => admin],
    ['an unknown token', () => 'Bearer wr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['a token without the wr_ prefix', () => `Bearer ${admin.slice(3)}`],
    ['a token one character short', () => `Bearer ${admin.slice(0, -1)}`],
    ['a very long token', () => `Bearer wr_${'x'.repeat(5000)}`],
    ['a revoked token', () => `Bearer ${revoked}`],
    ['an expired token', () => `Bearer ${expired}`],
  ];

  async function executionIds(): Promise<string[]> {
    const [wf] = await testDb().select().from(workflows).where(eq(workflows.key, wfKey));
    const rows = await testDb().select({ id: workflowExecutions.id }).from(workflowExecutions).where(eq(workflowExecutions.workflowId, wf!.id));
    return rows.map((r) => r.id).sort();
  }

  /** The running execution is untouched and no execution was added. */
  async function expectNothingWritten(idsBefore: string[]) {
    const d = await api(admin).get<ExecutionDetail>(`/api/v1/executions/${runningId}`);
    expect(d.body).toMatchObject({ status: 'running', version: before.version, error: null });
    expect(d.body.events).toHaveLength(before.events.length);
    expect(await executionIds()).toEqual(idsBefore);
  }

  describe.each(ROUTES)('$name', (route) => {
    it('answers 401 with the error body for every bad credential, and writes nothing', async () => {
      const ids = await executionIds();
      for (const [label, header] of AUTH_CASES) {
        const body = route.body?.();
        const res = await rawRequest(route.method, route.path(), {
          authorization: header(),
          body: body === undefined ? undefined : JSON.stringify(body),
          contentType: body === undefined ? null : 'application/json',
        });
        expect(res.status, `${route.name} with ${label}`).toBe(401);
        expectError(res, 401, 'unauthorized');
        if (route.method === 'POST' && route.path() === '/api/v1/workflows') {
          const key = (body as { key: string }).key;
          expect((await api(admin).get(`/api/v1/workflows/${key}`)).status).toBe(404);
        }
      }
      await expectNothingWritten(ids);
    });

    it('answers 401 before looking at a malformed body', async () => {
      if (route.method === 'GET') {
        const res = await rawRequest('GET', route.path(), { authorization: 'Bearer wr_nope' });
        expectError(res, 401, 'unauthorized');
        return;
      }
      const res = await rawRequest('POST', route.path(), { authorization: 'Bearer wr_nope', body: '{not json', contentType: 'text/xml' });
      expectError(res, 401, 'unauthorized');
    });

    it(`answers 403 naming the missing permission (${route.permission}), and writes nothing`, async () => {
      const without = await tokenWith(PERMISSIONS.filter((p) => p !== route.permission));
      const ids = await executionIds();
      const body = route.body?.();
      const res = await rawRequest(route.method, route.path(), {
        token: without,
        body: body === undefined ? undefined : JSON.stringify(body),
        contentType: body === undefined ? null : 'application/json',
      });
      const err = expectError(res, 403, 'forbidden');
      expect(err.error.message).toContain(route.permission);
      if (route.method === 'POST' && route.path() === '/api/v1/workflows') {
        expect((await api(admin).get(`/api/v1/workflows/${(body as { key: string }).key}`)).status).toBe(404);
      }
      await expectNothingWritten(ids);
    });

    it('answers 403 before looking at a malformed body', async () => {
      const none = await tokenWith(['approval:read']);
      const res = await rawRequest(route.method, route.path(), route.method === 'POST' ? { token: none, body: '{"broken', contentType: 'application/json' } : { token: none });
      expectError(res, 403, 'forbidden');
    });

    it('works with the right permission alone', async () => {
      // A throwaway execution for the routes that act on one, so the running one stays as it is.
      const own = route.path().includes('/executions/') ? (await startApi(admin, wfKey)).started.id : undefined;
      const only = await tokenWith([route.permission]);
      const body = route.body?.();
      const res = await rawRequest(route.method, route.path(own), {
        token: only,
        body: body === undefined ? undefined : JSON.stringify(body),
        contentType: body === undefined ? null : 'application/json',
      });
      const expected = route.name === 'POST /workflows' || route.name === 'POST /executions' ? 201 : 200;
      expect(res.status, JSON.stringify(res.body)).toBe(expected);
    });
  });

  it('a Bearer scheme in any letter case is accepted', async () => {
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const res = await rawRequest('GET', '/api/v1/workflows', { authorization: `${scheme} ${admin}` });
      expect(res.status).toBe(200);
    }
  });
});
