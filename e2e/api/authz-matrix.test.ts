import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_ENTRIES, ROUTES, type RouteName } from '@/lib/api/route-table';
import { createApiToken, hashToken, revokeApiToken } from '@/lib/core/access/api-tokens';
import { PERMISSIONS, ROLE_PERMISSIONS, ROLES, type Role } from '@/lib/core/access/permissions';
import { apiTokens, delegations, notifications, workflowExecutions, workflows } from '@/lib/db/schema';
import { testDb, tokenWith, uid, userWithToken } from '../helpers/env';
import { api } from '../helpers/http';
import { expectError, rawRequest } from '../helpers/http';
import { type ExecutionDetail } from '../helpers/workflows';

/**
 * The authorization matrix, generated from the route table: every route in ROUTES × {no token,
 * malformed header, unknown token, revoked, expired, each role}. Bad credentials get 401; a role
 * without the route's permissions gets 403 and nothing is written; a role with them gets the route's
 * success status (never 401/403). Public routes (health, readiness, the document) answer every
 * credential alike. A route added to ROUTES without a fixture here fails the suite.
 */
type Target = { path: string; body?: unknown; headers?: Record<string, string>; check?: () => Promise<unknown> };
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

/** Credentials that are not a valid token, however they are malformed. */
const BAD_CREDENTIALS = [
  'no token',
  'malformed header',
  'unknown token',
  'revoked token',
  'expired token',
  'empty header',
  'Basic scheme',
  'Bearer without a token',
  'Bearer and spaces only',
  'token with a space in it',
  'token without the Bearer scheme',
  'token without the wr_ prefix',
  'token one character short',
  'very long token',
] as const;
const CREDENTIALS = [...BAD_CREDENTIALS, ...ROLES] as const;
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
    const revoked = await createApiToken(testDb(), { name: uid('matrix-revoked'), permissions: [...ROLE_PERMISSIONS.operator] });
    await revokeApiToken(testDb(), revoked.name);
    const expired = await createApiToken(testDb(), { name: uid('matrix-expired'), permissions: [...ROLE_PERMISSIONS.operator], expiresInMs: 60_000, now: new Date(Date.now() - 3_600_000) });
    headers['no token'] = undefined;
    headers['malformed header'] = `Bearer ${revoked.token} extra`;
    headers['unknown token'] = `Bearer wr_${'Z'.repeat(32)}`;
    headers['revoked token'] = `Bearer ${revoked.token}`;
    headers['expired token'] = `Bearer ${expired.token}`;
    for (const role of ROLES) headers[role] = `Bearer ${(await userWithToken(role)).token}`;
    const valid = headers.admin!.slice('Bearer '.length);
    headers['empty header'] = '';
    headers['Basic scheme'] = `Basic ${Buffer.from('admin:admin').toString('base64')}`;
    headers['Bearer without a token'] = 'Bearer';
    headers['Bearer and spaces only'] = 'Bearer    ';
    headers['token with a space in it'] = `Bearer ${valid.slice(0, 8)} ${valid.slice(8)}`;
    headers['token without the Bearer scheme'] = valid;
    headers['token without the wr_ prefix'] = `Bearer ${valid.slice(3)}`;
    headers['token one character short'] = `Bearer ${valid.slice(0, -1)}`;
    headers['very long token'] = `Bearer wr_${'x'.repeat(5000)}`;
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

  // A request assigned to one person, and the link its mail carries (no worker delivers here: the
  // outbox row still holds the token), with the CSRF token its page hands out.
  let linked: Promise<string> | null = null;
  const freshLink = async () => {
    const key = await (linked ??= userWithToken('approver').then(async (u) => {
      const k = uid('matrix-link');
      const steps = [{ id: 'gate', type: 'approval', reason: 'Matrix link', assignees: [u.email] }];
      expect((await api(starter).post('/api/v1/workflows', { key: k, name: 'Matrix link', definition: { steps } })).status).toBe(201);
      return k;
    }));
    const ex = await start(key);
    const [row] = await testDb().select({ token: notifications.linkToken }).from(notifications).where(eq(notifications.executionId, ex.id));
    const token = row!.token!;
    const view = await rawRequest('GET', `/api/v1/decision-links/${token}`);
    return { token, csrf: (view.body as { csrf_token: string }).csrf_token };
  };

  // A person every role's token may delegate to.
  let delegateEmail: Promise<string> | null = null;
  const delegate = () => (delegateEmail ??= userWithToken('approver').then((u) => u.email));

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

  // An approval rejected, its execution ended by it (reopen's target).
  let rejecter: Promise<string> | null = null;
  const rejectedShared = new Map<string, Promise<{ id: string; approvalId: string }>>();
  const rejected = (fresh: boolean) => {
    const make = async () => {
      const t = await target('approval', true);
      // A resume-as-vote by an admin who did not start it: the rejection ends the execution at once (no worker here).
      const by = await (rejecter ??= userWithToken('admin').then((u) => u.token));
      expect((await api(by).post(`/api/v1/executions/${t.id}/resume`, { resume_data: { approved: false } })).status).toBe(200);
      return { id: t.id, approvalId: t.approvalId! };
    };
    if (fresh) return make();
    if (!rejectedShared.has('r')) rejectedShared.set('r', make());
    return rejectedShared.get('r')!;
  };
  // An execution paused on a callback key of its own (POST /callbacks/{key}'s target).
  let keyedWorkflow: Promise<string> | null = null;
  const keyedShared = new Map<string, Promise<{ id: string; k: string }>>();
  const keyed = (fresh: boolean) => {
    const make = async () => {
      const wf = await (keyedWorkflow ??= (async () => {
        const key = uid('matrix-keyed');
        const steps = [{ ...CALLBACK[0], callback_key: 'matrix:${k}' }, CALLBACK[1]];
        expect((await api(starter).post('/api/v1/workflows', { key, name: 'Matrix keyed', definition: { steps } })).status).toBe(201);
        return key;
      })());
      const k = uid('k');
      const res = await api(starter).post('/api/v1/executions', { workflow_id: wf, trigger_payload: { k } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return { id: (res.body as { id: string }).id, k };
    };
    if (fresh) return make();
    if (!keyedShared.has('k')) keyedShared.set('k', make());
    return keyedShared.get('k')!;
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
    listExecutionEvents: onExecution('running', (id) => `/api/v1/executions/${id}/events?limit=5`),
    pauseExecution: onExecution('running', (id) => `/api/v1/executions/${id}/pause`, { reason: 'matrix' }),
    resumeExecution: onExecution('paused', (id) => `/api/v1/executions/${id}/resume`, { resume_data: { matrix: true } }),
    cancelExecution: onExecution('running', (id) => `/api/v1/executions/${id}/cancel`, { reason: 'matrix' }),
    streamEvents: async () => ({ path: '/api/v1/events' }),
    listApprovals: async () => ({ path: '/api/v1/approvals?limit=5' }),
    getApproval: onExecution('approval', (_id, a) => `/api/v1/approvals/${a}`),
    approveApproval: onExecution('approval', (_id, a) => `/api/v1/approvals/${a}/approve`, { comment: 'matrix' }),
    rejectApproval: onExecution('approval', (_id, a) => `/api/v1/approvals/${a}/reject`, { comment: 'matrix' }),
    getMe: async () => ({ path: '/api/v1/me' }),
    getOpsSummary: async () => ({ path: '/api/v1/ops/summary' }),
    getMetrics: async () => ({ path: '/api/v1/metrics' }),
    getHealth: async () => ({ path: '/api/v1/health' }),
    getReady: async () => ({ path: '/api/v1/ready' }),
    getOpenApi: async () => ({ path: '/api/v1/openapi.json' }),
    getDelegation: async () => ({ path: '/api/v1/me/delegation' }),
    setDelegation: async () => {
      const to = await delegate();
      return {
        path: '/api/v1/me/delegation',
        body: { to, until: new Date(Date.now() + 86_400_000).toISOString() },
        check: async () => (await testDb().select().from(delegations).where(eq(delegations.toEmail, to))).length,
      };
    },
    deleteDelegation: async () => ({ path: '/api/v1/me/delegation' }),
    listNotifications: async () => ({ path: '/api/v1/notifications?limit=5' }),
    extendExecution: onExecution('paused', (id) => `/api/v1/executions/${id}/extend`, { by: 'PT1H' }),
    reopenApproval: async (fresh) => {
      const t = await rejected(fresh);
      return { path: `/api/v1/approvals/${t.approvalId}/reopen`, body: { reason: 'matrix' }, check: () => executionState(t.id) };
    },
    sendCallback: async (fresh) => {
      const t = await keyed(fresh);
      return { path: `/api/v1/callbacks/matrix:${t.k}`, body: { resume_data: { matrix: true } }, check: () => executionState(t.id) };
    },
    listCallbacks: async () => ({ path: '/api/v1/callbacks?limit=5' }),
    // A decision link is its own credential: whatever Authorization header comes along is ignored.
    getDecisionLink: async () => ({ path: `/api/v1/decision-links/${(await freshLink()).token}` }),
    approveByDecisionLink: async () => {
      const link = await freshLink();
      return { path: `/api/v1/decision-links/${link.token}/approve`, body: {}, headers: { 'x-csrf-token': link.csrf } };
    },
    rejectByDecisionLink: async () => {
      const link = await freshLink();
      return { path: `/api/v1/decision-links/${link.token}/reject`, body: {}, headers: { 'x-csrf-token': link.csrf } };
    },
  };

  it('has a fixture for every route in the route table, and nothing else', () => {
    expect(Object.keys(FIXTURES).sort()).toEqual(Object.keys(ROUTES).sort());
  });

  const cases = ROUTE_ENTRIES.flatMap(([name, route]) =>
    CREDENTIALS.map((credential) => {
      const isRole = (ROLES as readonly string[]).includes(credential);
      const allowed = isRole && route.permissions.every((p) => ROLE_PERMISSIONS[credential as Role].includes(p));
      // A public route ignores credentials, bad ones included.
      const expected = route.auth === 'public' ? (route.successStatus ?? 200) : !isRole ? 401 : allowed ? (route.successStatus ?? 200) : 403;
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
      headers: t.headers,
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

  // Authentication and authorization come before the body is read: a malformed body changes neither answer.
  const withBody = ROUTE_ENTRIES.filter(([, r]) => r.auth !== 'public' && r.method !== 'GET').map(([name, route]) => ({ name, route }));
  it.each(withBody)('$route.method $route.path: 401, and 403 without its permission, before looking at a malformed body', async ({ name, route }) => {
    const t = await FIXTURES[name](false);
    const before = t.check ? await t.check() : undefined;
    expectError(await rawRequest(route.method, t.path, { authorization: 'Bearer wr_nope', body: '{not json', contentType: 'text/xml' }), 401, 'unauthorized');
    if (route.permissions.length > 0) {
      const other = PERMISSIONS.find((p) => !route.permissions.includes(p) && p !== 'approval:decide')!;
      const res = await rawRequest(route.method, t.path, { token: await tokenWith([other]), body: '{"broken', contentType: 'application/json' });
      expect(expectError(res, 403, 'forbidden').error.message).toContain(route.permissions.find((p) => p !== other));
    }
    if (t.check) expect(await t.check()).toEqual(before);
  });

  // A token holding exactly a route's permissions, nothing more, is enough.
  const withPermissions = ROUTE_ENTRIES.filter(([, r]) => r.auth !== 'public' && r.permissions.length > 0).map(([name, route]) => ({ name, route }));
  it.each(withPermissions)('$route.method $route.path works with exactly its permissions', async ({ name, route }) => {
    const t = await FIXTURES[name](true);
    const res = await rawRequest(route.method, t.path, {
      token: await tokenWith(route.permissions),
      body: t.body === undefined ? undefined : JSON.stringify(t.body),
      contentType: t.body === undefined ? null : 'application/json',
      headers: t.headers,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(route.successStatus ?? 200);
  });

  it('accepts the Bearer scheme in any letter case', async () => {
    const valid = headers.admin!.slice('Bearer '.length);
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) expect((await rawRequest('GET', '/api/v1/workflows', { authorization: `${scheme} ${valid}` })).status).toBe(200);
  });

  // A resume of an execution whose approval is pending is a vote: the route's own permission
  // (execution:cancel) and approval:decide, checked in the one decision rule. Only a role holding
  // both — admin — decides this way; the starter is another admin, so this is no self-approval.
  const voteCases = CREDENTIALS.map((credential) => {
    const isRole = (ROLES as readonly string[]).includes(credential);
    const perms: readonly string[] = isRole ? ROLE_PERMISSIONS[credential as Role] : [];
    const missing = ['execution:cancel', 'approval:decide'].filter((p) => !perms.includes(p));
    return { credential, expected: !isRole ? 401 : missing.length === 0 ? 200 : 403, missing: missing[0] ?? null };
  });
  it.each(voteCases)('decide through resume: POST /api/v1/executions/{id}/resume on a pending approval × $credential → $expected', async ({ credential, expected, missing }) => {
    const t = await target('approval', expected < 400);
    const before = await executionState(t.id);
    const res = await rawRequest('POST', `/api/v1/executions/${t.id}/resume`, {
      authorization: headers[credential],
      body: JSON.stringify({ resume_data: { approved: true } }),
      contentType: 'application/json',
    });
    expect(res.status, `${credential}: ${JSON.stringify(res.body)}`).toBe(expected);
    if (expected === 401) expectError(res, 401, 'unauthorized');
    if (expected === 403) expect(expectError(res, 403, 'forbidden').error.message).toBe(`missing permission: ${missing}`);
    if (expected >= 400) expect(await executionState(t.id)).toEqual(before);
    else {
      expect(res.body).toMatchObject({ id: t.id, status: 'completed' });
      expect((await executionState(t.id)).approvals).toEqual(['approved']);
    }
  });

  // A standalone token stored with approval:decide (made before the rule, or written by hand —
  // createApiToken refuses to make one) holds every other permission it was given, but never decides.
  describe('decide with an unbound token', () => {
    let unbound: string;
    beforeAll(async () => {
      const token = `wr_${uid('unbound').replace(/-/g, '')}${'A'.repeat(24)}`;
      await testDb().insert(apiTokens).values({ name: uid('matrix-unbound'), prefix: token.slice(0, 10), tokenHash: hashToken(token), permissions: [...PERMISSIONS] });
      unbound = `Bearer ${token}`;
    });

    it('still reads and operates with its other permissions', async () => {
      const t = await target('approval', false);
      expect((await rawRequest('GET', `/api/v1/executions/${t.id}`, { authorization: unbound })).status).toBe(200);
      expect((await rawRequest('GET', `/api/v1/approvals/${t.approvalId}`, { authorization: unbound })).status).toBe(200);
    });

    it.each([
      ['POST /api/v1/approvals/{id}/approve', (t: { approvalId?: string }) => `/api/v1/approvals/${t.approvalId}/approve`, { comment: 'matrix' }],
      ['POST /api/v1/approvals/{id}/reject', (t: { approvalId?: string }) => `/api/v1/approvals/${t.approvalId}/reject`, { comment: 'matrix' }],
      ['POST /api/v1/executions/{id}/resume (a vote)', (t: { id: string }) => `/api/v1/executions/${t.id}/resume`, { resume_data: { approved: true } }],
    ] as const)('%s → 403 missing permission: approval:decide, nothing written', async (_name, path, body) => {
      const t = await target('approval', false);
      const before = await executionState(t.id);
      const res = await rawRequest('POST', path(t), { authorization: unbound, body: JSON.stringify(body), contentType: 'application/json' });
      expect(expectError(res, 403, 'forbidden').error.message).toBe('missing permission: approval:decide');
      expect(await executionState(t.id)).toEqual(before);
    });
  });
});
