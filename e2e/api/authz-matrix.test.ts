import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, type RouteName, type RouteSpec } from '@/lib/api/route-table';
import { createApiToken, revokeApiToken } from '@/lib/core/access/api-tokens';
import { PERMISSIONS, ROLE_PERMISSIONS, ROLES, type Role } from '@/lib/core/access/permissions';
import { workflowExecutions, workflows } from '@/lib/db/schema';
import { testDb, uid, userWithToken } from '../helpers/env';
import { api } from '../helpers/http';
import { expectError, rawRequest, type ExecutionDetail } from '../helpers/workflows';

/**
 * The authorization matrix, generated from the route table: every route in ROUTES × {no token,
 * malformed header, unknown token, revoked, expired, each role}. Bad credentials get 401; a role
 * without the route's permissions gets 403 and nothing is written; a role with them gets the route's
 * success status (never 401/403). A route added to ROUTES without a fixture here fails the suite.
 */
type Target = { path: string; body?: unknown; check?: () => Promise<unknown> };
type Fixture = (fresh: boolean) => Promise<Target>;

const SLEEP = [{ id: 'w', type: 'wait', duration: 'PT1H' }];
const CALLBACK = [
  { id: 'p', type: 'pause', reason: 'Awaiting callback', next: 'done' },
  { id: 'done', type: 'action', action: { type: 'allow' } },
];
const APPROVAL = [
  { id: 'gate', type: 'approval', reason: 'Matrix', on_approve: 'done' },
  { id: 'done', type: 'action', action: { type: 'allow' } },
];

const CREDENTIALS = ['no token', 'malformed header', 'unknown token', 'revoked token', 'expired token', ...ROLES] as const;
type Credential = (typeof CREDENTIALS)[number];

describe('authorization matrix (from the route table)', () => {
  let starter: string; // an admin user who starts the executions the matrix acts on
  const headers = {} as Record<Credential, string | undefined>;
  const keys = { sleep: '', callback: '', approval: '' };

  beforeAll(async () => {
    starter = (await userWithToken('admin')).token;
    for (const [name, steps] of [
      ['sleep', SLEEP],
      ['callback', CALLBACK],
      ['approval', APPROVAL],
    ] as const) {
      keys[name] = uid(`matrix-${name}`);
      const res = await api(starter).post('/api/v1/workflows', { key: keys[name], name: `Matrix ${name}`, definition: { steps } });
      expect(res.status).toBe(201);
    }
    const revoked = await createApiToken(testDb(), { name: uid('matrix-revoked'), permissions: [...PERMISSIONS] });
    await revokeApiToken(testDb(), revoked.name);
    const expired = await createApiToken(testDb(), { name: uid('matrix-expired'), permissions: [...PERMISSIONS], expiresInMs: 60_000, now: new Date(Date.now() - 3_600_000) });
    headers['no token'] = undefined;
    headers['malformed header'] = `Bearer ${revoked.token} extra`;
    headers['unknown token'] = `Bearer wr_${'Z'.repeat(32)}`;
    headers['revoked token'] = `Bearer ${revoked.token}`;
    headers['expired token'] = `Bearer ${expired.token}`;
    for (const role of ROLES) headers[role] = `Bearer ${(await userWithToken(role)).token}`;
  });

  async function start(key: string) {
    const res = await api(starter).post('/api/v1/executions', { workflow_id: key, trigger_payload: { matrix: true } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; status: string };
  }
  async function executionState(id: string) {
    const d = (await api(starter).get<ExecutionDetail>(`/api/v1/executions/${id}`)).body;
    return { status: d.status, version: d.version, events: d.events.length, approvals: d.approvals.map((a) => a.status) };
  }
  async function executionsOf(key: string) {
    const [wf] = await testDb().select({ id: workflows.id }).from(workflows).where(eq(workflows.key, key));
    return (await testDb().select({ id: workflowExecutions.id }).from(workflowExecutions).where(eq(workflowExecutions.workflowId, wf!.id))).length;
  }

  // Shared targets for the refusals (they must stay untouched), fresh ones for the successes.
  const shared = new Map<string, Promise<{ id: string; approvalId?: string }>>();
  const target = (kind: 'running' | 'paused' | 'approval', fresh: boolean) => {
    const make = async () => {
      const ex = await start(kind === 'running' ? keys.sleep : kind === 'paused' ? keys.callback : keys.approval);
      if (kind !== 'approval') return { id: ex.id };
      const d = (await api(starter).get<ExecutionDetail>(`/api/v1/executions/${ex.id}`)).body;
      return { id: ex.id, approvalId: d.approvals[0]!.id };
    };
    if (fresh) return make();
    if (!shared.has(kind)) shared.set(kind, make());
    return shared.get(kind)!;
  };
  const onExecution = (kind: 'running' | 'paused' | 'approval', path: (id: string, approvalId?: string) => string, body?: unknown): Fixture => async (fresh) => {
    const t = await target(kind, fresh);
    return { path: path(t.id, t.approvalId), body, check: () => executionState(t.id) };
  };

  const FIXTURES: Record<RouteName, Fixture> = {
    listWorkflows: async () => ({ path: '/api/v1/workflows' }),
    createWorkflow: async () => {
      const key = uid('matrix-new');
      return {
        path: '/api/v1/workflows',
        body: { key, name: 'Matrix new', definition: { steps: [{ id: 'a', type: 'action', action: { type: 'allow' } }] } },
        check: async () => (await api(starter).get(`/api/v1/workflows/${key}`)).status,
      };
    },
    getWorkflow: async () => ({ path: `/api/v1/workflows/${keys.sleep}` }),
    listExecutions: async () => ({ path: '/api/v1/executions?limit=5' }),
    startExecution: async () => ({ path: '/api/v1/executions', body: { workflow_id: keys.sleep, trigger_payload: {} }, check: () => executionsOf(keys.sleep) }),
    listPausedExecutions: async () => ({ path: '/api/v1/executions/paused?limit=5' }),
    getExecution: onExecution('running', (id) => `/api/v1/executions/${id}`),
    pauseExecution: onExecution('running', (id) => `/api/v1/executions/${id}/pause`, { reason: 'matrix' }),
    resumeExecution: onExecution('paused', (id) => `/api/v1/executions/${id}/resume`, { resume_data: { matrix: true } }),
    cancelExecution: onExecution('running', (id) => `/api/v1/executions/${id}/cancel`, { reason: 'matrix' }),
    streamEvents: async () => ({ path: '/api/v1/events' }),
    listApprovals: async () => ({ path: '/api/v1/approvals?limit=5' }),
    getApproval: onExecution('approval', (_id, a) => `/api/v1/approvals/${a}`),
    approveApproval: onExecution('approval', (_id, a) => `/api/v1/approvals/${a}/approve`, { comment: 'matrix' }),
    rejectApproval: onExecution('approval', (_id, a) => `/api/v1/approvals/${a}/reject`, { comment: 'matrix' }),
  };

  it('has a fixture for every route in the route table, and nothing else', () => {
    expect(Object.keys(FIXTURES).sort()).toEqual(Object.keys(ROUTES).sort());
  });

  const cases = (Object.entries(ROUTES) as [RouteName, RouteSpec][]).flatMap(([name, route]) =>
    CREDENTIALS.map((credential) => {
      const isRole = (ROLES as readonly string[]).includes(credential);
      const allowed = isRole && route.permissions.every((p) => ROLE_PERMISSIONS[credential as Role].includes(p));
      const expected = !isRole ? 401 : allowed ? (route.successStatus ?? 200) : 403;
      return { name, route, credential, expected };
    }),
  );

  it.each(cases)('$route.method $route.path × $credential → $expected', async ({ name, route, credential, expected }) => {
    const t = await FIXTURES[name](expected < 400);
    const before = t.check ? await t.check() : undefined;
    const res = await rawRequest(route.method, t.path, {
      authorization: headers[credential],
      body: t.body === undefined ? undefined : JSON.stringify(t.body),
      contentType: t.body === undefined ? null : 'application/json',
    });
    expect(res.status, `${route.method} ${route.path} as ${credential}: ${JSON.stringify(res.body)}`).toBe(expected);
    if (expected === 401) expectError(res, 401, 'unauthorized');
    if (expected === 403) {
      const err = expectError(res, 403, 'forbidden');
      for (const p of route.permissions) if (!ROLE_PERMISSIONS[credential as Role].includes(p)) expect(err.error.message).toContain(p);
    }
    // A refusal writes nothing.
    if (expected >= 400 && t.check) expect(await t.check()).toEqual(before);
  });
});
