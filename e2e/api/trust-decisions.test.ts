import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, hashToken } from '@/lib/core/access/api-tokens';
import { apiTokens } from '@/lib/db/schema';
import { testDb, tokenWith, uid, userWithToken } from '../helpers/env';
import { api } from '../helpers/http';
import { expectError } from '../helpers/http';
import { runTs } from '../helpers/processes';
import { createWorkflowApi, type ExecutionDetail, startExecutionApi } from '../helpers/workflows';

/**
 * Issue 10, items 1 and 2 — only people decide, by the same rules on every path:
 * a resume of an execution whose approval is pending is a vote judged like approve/reject
 * (approval:decide, self-approval, one vote per person, quorum; the answer is the execution after the
 * vote), and approval:decide belongs to people only (no standalone token holds it, the CLI and the
 * token function refuse to make one, a stored one is refused on every decision route).
 */
type Person = Awaited<ReturnType<typeof userWithToken>>;

const QUORUM = {
  steps: [
    { id: 'sign-off', type: 'approval', reason: 'Two sign-offs', required_approvals: 2, approver_role: 'approver', on_approve: 'pay', on_reject: 'refund' },
    { id: 'pay', type: 'action', action: { type: 'set', values: { paid: true } } },
    { id: 'refund', type: 'action', action: { type: 'set', values: { refunded: true } } },
  ],
};

let starter: Person; // starts every execution (an admin: deciding them would be self-approval)
let adminA: Person; // admins hold execution:cancel and approval:decide: they may vote through a resume
let adminB: Person;
let approver: Person;
let operator: Person;
let quorumKey: string;

beforeAll(async () => {
  [starter, adminA, adminB, approver, operator] = await Promise.all([
    userWithToken('admin'),
    userWithToken('admin'),
    userWithToken('admin'),
    userWithToken('approver'),
    userWithToken('operator'),
  ]);
  quorumKey = await createWorkflowApi(starter.token, QUORUM, 'Quorum of two');
});

async function pendingApproval() {
  const ex = await startExecutionApi(starter.token, quorumKey, { amount: 9000 });
  expect(ex.status).toBe('paused');
  const d = (await api(starter.token).get<ExecutionDetail>(`/api/v1/executions/${ex.id}`)).body;
  return { id: ex.id, approvalId: d.approvals[0]!.id };
}

/** Everything a refused decision must leave alone. */
async function stateOf(id: string, approvalId: string) {
  const d = (await api(starter.token).get<ExecutionDetail & { resume_count: number }>(`/api/v1/executions/${id}`)).body;
  const a = (await api(starter.token).get(`/api/v1/approvals/${approvalId}`)).body as { status: string; approvals_received: number; decisions: unknown[] };
  return { status: d.status, version: d.version, events: d.events.length, resume_count: d.resume_count, approval: a.status, received: a.approvals_received, decisions: a.decisions.length };
}

const resume = (token: string, id: string, resumeData: unknown) => api(token).post(`/api/v1/executions/${id}/resume`, { resume_data: resumeData });

describe('item 1: a resume of a pending approval is a vote', () => {
  it('refuses an operator (no approval:decide) with 403 missing permission, writing nothing', async () => {
    const { id, approvalId } = await pendingApproval();
    const before = await stateOf(id, approvalId);
    // The approve route refuses the operator; so must the resume, which used to decide it at once.
    expect(expectError(await api(operator.token).post(`/api/v1/approvals/${approvalId}/approve`, {}), 403, 'forbidden').error.message).toMatch(/^missing permission/);
    const res = await resume(operator.token, id, { approved: true });
    expect(expectError(res, 403, 'forbidden').error.message).toBe('missing permission: approval:decide');
    expect(await stateOf(id, approvalId)).toEqual(before);
  });

  it('refuses a token holding only execution:cancel, whatever resume_data it sends', async () => {
    const { id, approvalId } = await pendingApproval();
    const before = await stateOf(id, approvalId);
    const cancelOnly = await tokenWith(['execution:cancel']);
    for (const data of [{ approved: true }, { approved: false }, { approved: 'true' }, {}]) {
      expect(expectError(await resume(cancelOnly, id, data), 403, 'forbidden').error.message).toBe('missing permission: approval:decide');
    }
    expect(await stateOf(id, approvalId)).toEqual(before);
  });

  it('counts toward the quorum: the first vote leaves it paused, the second (another person) resumes it', async () => {
    const { id, approvalId } = await pendingApproval();
    const first = await resume(adminA.token, id, { approved: true, comment: 'first' });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    // The execution as it stands after the vote: still paused, nothing resumed yet.
    expect(first.body).toMatchObject({ id, status: 'paused', resume_count: 0, resume_data: null });
    expect((await api(starter.token).get(`/api/v1/approvals/${approvalId}`)).body).toMatchObject({
      status: 'pending',
      approvals_received: 1,
      required_approvals: 2,
      decisions: [{ actor: adminA.email, decision: 'approve', comment: 'first' }],
    });

    // One vote per person, whichever route it comes through.
    expectError(await resume(adminA.token, id, { approved: true }), 409, 'already_decided');
    expectError(await api(adminA.token).post(`/api/v1/approvals/${approvalId}/approve`, {}), 409, 'already_decided');

    const second = await resume(adminB.token, id, { approved: true });
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body).toMatchObject({ status: 'completed', resume_count: 1, context: { amount: 9000, approved: true, paid: true } });
    expect(second.body.resume_data).toMatchObject({ approved: true, approval_id: approvalId, decided_by: adminB.email, approvers: [adminA.email, adminB.email] });
    const a = (await api(starter.token).get(`/api/v1/approvals/${approvalId}`)).body;
    expect(a).toMatchObject({ status: 'approved', approvals_received: 2 });
    const d = (await api(starter.token).get<ExecutionDetail>(`/api/v1/executions/${id}`)).body;
    expect(d.events.filter((e) => e.type === 'approved').map((e) => e.actor)).toEqual([adminA.email, adminB.email]);
    expect(d.events.filter((e) => e.type === 'resumed')).toHaveLength(1);
  });

  it('mixes with the approve route: one approval there and one vote through resume make the quorum', async () => {
    const { id, approvalId } = await pendingApproval();
    const viaRoute = await api(approver.token).post(`/api/v1/approvals/${approvalId}/approve`, { comment: 'route' });
    expect(viaRoute.body).toMatchObject({ status: 'pending', approvals_received: 1 });
    const viaResume = await resume(adminA.token, id, { approved: true, comment: 'resume' });
    expect(viaResume.body).toMatchObject({ status: 'completed', context: { paid: true } });
  });

  it('a rejection through resume is final at once and takes the reject branch', async () => {
    const { id, approvalId } = await pendingApproval();
    const res = await resume(adminA.token, id, { approved: false, comment: 'no' });
    expect(res.body).toMatchObject({ status: 'completed', context: { approved: false, refunded: true } });
    expect((await api(starter.token).get(`/api/v1/approvals/${approvalId}`)).body).toMatchObject({ status: 'rejected', decisions: [{ actor: adminA.email, decision: 'reject', comment: 'no' }] });
  });

  it('refuses self-approval through resume with 403 self_approval', async () => {
    const { id, approvalId } = await pendingApproval();
    const before = await stateOf(id, approvalId);
    expectError(await resume(starter.token, id, { approved: true }), 403, 'self_approval');
    expect(await stateOf(id, approvalId)).toEqual(before);
  });

  it.each([
    ['a string "true"', { approved: 'true' }],
    ['no approved', { comment: 'x' }],
    ['another field', { approved: true, amount: 1 }],
    ['a non-string comment', { approved: true, comment: 5 }],
  ])('refuses resume_data with %s on a pending approval with 422, writing nothing', async (_name, data) => {
    const { id, approvalId } = await pendingApproval();
    const before = await stateOf(id, approvalId);
    const err = expectError(await resume(adminA.token, id, data), 422, 'validation_failed');
    expect(err.error.message).toMatch(/^resume_data\./);
    expect(err.error.message).toContain('{"approved": true|false, "comment"?: "…"}');
    expect(await stateOf(id, approvalId)).toEqual(before);
  });

  it('an Idempotency-Key retry of a vote replays it instead of voting twice', async () => {
    const { id, approvalId } = await pendingApproval();
    const key = uid('vote');
    const first = await api(adminA.token).post(`/api/v1/executions/${id}/resume`, { resume_data: { approved: true } }, { 'idempotency-key': key });
    const retry = await api(adminA.token).post(`/api/v1/executions/${id}/resume`, { resume_data: { approved: true } }, { 'idempotency-key': key });
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect((await api(starter.token).get(`/api/v1/approvals/${approvalId}`)).body).toMatchObject({ status: 'pending', approvals_received: 1 });
  });
});

describe('item 2: only people decide', () => {
  it('createApiToken refuses approval:decide without a user, and gives it to a bound token', async () => {
    await expect(createApiToken(testDb(), { name: uid('lone'), permissions: ['approval:read', 'approval:decide'] })).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringMatching(/approval:decide.*bound to a user/),
    });
    const bound = await createApiToken(testDb(), { name: uid('bound'), permissions: ['approval:read', 'approval:decide'], userEmail: approver.email });
    const me = (await api(bound.token).get('/api/v1/me')).body as { id: string; permissions: string[] };
    expect(me.id).toBe(approver.email);
    expect([...me.permissions].sort()).toEqual(['approval:decide', 'approval:read']);
  });

  it('the CLI makes a decide token only with --user; its votes are the person’s', async () => {
    const cli = (...args: string[]) => runTs('lib/bin/cli.ts', args, { env: { DATABASE_URL: process.env.TEST_DATABASE_URL } });
    const lone = uid('cli-lone');
    const refused = await cli('token', 'create', '--name', lone, '--permissions', 'approval:read,approval:decide');
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: approval:decide .*--user/)]);
    expect(refused.stdout).not.toMatch(/wr_/);
    expect(await testDb().select().from(apiTokens).where(eq(apiTokens.name, lone))).toEqual([]);

    const made = await cli('token', 'create', '--name', uid('cli-bound'), '--permissions', 'approval:read,approval:decide', '--user', approver.email);
    expect(made.code, made.stderr).toBe(0);
    const token = made.stdout.trim().split('\n').pop()!;
    const { approvalId } = await pendingApproval();
    const voted = await api(token).post(`/api/v1/approvals/${approvalId}/approve`, {});
    expect(voted.body.decisions).toEqual([expect.objectContaining({ actor: approver.email })]);
  });

  describe('a standalone token stored with approval:decide (made before the rule)', () => {
    let legacy: string;
    beforeAll(async () => {
      legacy = `wr_${uid('legacy').replace(/-/g, '')}${'L'.repeat(24)}`;
      await testDb().insert(apiTokens).values({ name: uid('legacy'), prefix: legacy.slice(0, 10), tokenHash: hashToken(legacy), permissions: ['approval:read', 'approval:decide', 'execution:read', 'execution:cancel'] });
    });

    it('does not hold approval:decide (GET /me)', async () => {
      const me = (await api(legacy).get('/api/v1/me')).body as { permissions: string[] };
      expect([...me.permissions].sort()).toEqual(['approval:read', 'execution:cancel', 'execution:read']);
    });

    it('cannot be the second vote of a two-person quorum: 403 on approve, reject and resume', async () => {
      // The reported case: one approver plus a token made without --user reached "approved 2/2".
      const { id, approvalId } = await pendingApproval();
      await api(approver.token).post(`/api/v1/approvals/${approvalId}/approve`, {});
      const before = await stateOf(id, approvalId);
      for (const res of [
        await api(legacy).post(`/api/v1/approvals/${approvalId}/approve`, {}),
        await api(legacy).post(`/api/v1/approvals/${approvalId}/reject`, {}),
        await resume(legacy, id, { approved: true }),
      ]) {
        expect(expectError(res, 403, 'forbidden').error.message).toBe('missing permission: approval:decide');
      }
      expect(before).toMatchObject({ status: 'paused', approval: 'pending', received: 1, decisions: 1 });
      expect(await stateOf(id, approvalId)).toEqual(before);
    });
  });

  it('one person counts once toward a quorum, however many of their tokens vote', async () => {
    const { approvalId } = await pendingApproval();
    const second = await tokenWith(['approval:read', 'approval:decide'], { userEmail: approver.email });
    expect((await api(approver.token).post(`/api/v1/approvals/${approvalId}/approve`, {})).body).toMatchObject({ status: 'pending', approvals_received: 1 });
    expectError(await api(second).post(`/api/v1/approvals/${approvalId}/approve`, {}), 409, 'already_decided');
    expect((await api(starter.token).get(`/api/v1/approvals/${approvalId}`)).body).toMatchObject({ status: 'pending', approvals_received: 1 });
  });
});
