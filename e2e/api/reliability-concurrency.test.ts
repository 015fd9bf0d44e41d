import { beforeAll, describe, expect, it } from 'vitest';
import { resumeDecidedExecutions } from '@/lib/core/worker/resume-decided-executions';
import { log } from '@/lib/log';
import { testDb, userWithToken } from '../helpers/env';
import { api, type ApiResponse } from '../helpers/http';
import { APPROVAL_FLOW, createWorkflowApi, type ExecutionDetail, startExecutionApi } from '../helpers/workflows';

/**
 * Many callers racing on one execution: resume, approve, reject and pause all at once. The row lock
 * and the status checks must let exactly one of them change the state; the others get 409 (never a
 * 5xx), `resume_count` ends at exactly 1, and the timeline tells one consistent story.
 */
type Call = { kind: 'resume' | 'approve' | 'reject' | 'pause'; send: () => Promise<ApiResponse> };

const LOSER_CODES = new Set(['not_paused', 'not_pending', 'already_decided', 'not_running']);

function shuffle<T>(xs: T[], seed: number): T[] {
  // A small deterministic shuffle (mulberry32), so a failure can be replayed.
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('200 concurrent conflicting calls on one execution', () => {
  let starter: Awaited<ReturnType<typeof userWithToken>>;
  let approvers: Awaited<ReturnType<typeof userWithToken>>[];
  let operators: Awaited<ReturnType<typeof userWithToken>>[];
  // A resume of the pending approval is a vote: people holding approval:decide and execution:cancel.
  let deciders: Awaited<ReturnType<typeof userWithToken>>[];
  let workflowKey: string;

  beforeAll(async () => {
    starter = await userWithToken('admin');
    approvers = await Promise.all(Array.from({ length: 6 }, () => userWithToken('approver')));
    operators = await Promise.all(Array.from({ length: 4 }, () => userWithToken('operator')));
    deciders = await Promise.all(Array.from({ length: 4 }, () => userWithToken('admin')));
    workflowKey = await createWorkflowApi(starter.token, APPROVAL_FLOW, 'Race');
  });

  // Different seeds put different kinds of call first, so different kinds win across the runs.
  it.each([1, 2, 3])('exactly one state change wins (run %i), resume_count is 1 and the timeline is consistent', async (seed) => {
    const ex = await startExecutionApi(starter.token, workflowKey, { amount: 50_000, run: seed });
    expect(ex.status).toBe('paused');
    const before = (await api(starter.token).get<ExecutionDetail>(`/api/v1/executions/${ex.id}`)).body;
    const approvalId = before.approvals[0]!.id;

    const calls: Call[] = [];
    for (let i = 0; i < 50; i++) {
      const op = operators[i % operators.length]!;
      const ap = approvers[i % approvers.length]!;
      const dc = deciders[i % deciders.length]!;
      calls.push({ kind: 'resume', send: () => api(dc.token).post(`/api/v1/executions/${ex.id}/resume`, { resume_data: { approved: i % 2 === 0, comment: `resume ${i}` } }) });
      calls.push({ kind: 'approve', send: () => api(ap.token).post(`/api/v1/approvals/${approvalId}/approve`, { comment: `approve ${i}` }) });
      calls.push({ kind: 'reject', send: () => api(ap.token).post(`/api/v1/approvals/${approvalId}/reject`, { comment: `reject ${i}` }) });
      calls.push({ kind: 'pause', send: () => api(op.token).post(`/api/v1/executions/${ex.id}/pause`, { reason: `pause ${i}` }) });
    }
    const results = await Promise.all(shuffle(calls, seed * 7919).map(async (c) => ({ kind: c.kind, res: await c.send() })));

    expect(results).toHaveLength(200);
    expect(results.filter((r) => r.res.status >= 500)).toEqual([]);
    const winners = results.filter((r) => r.res.status === 200);
    expect(winners.map((w) => w.kind), 'exactly one call changes the state').toHaveLength(1);
    const losers = results.filter((r) => r.res.status !== 200);
    for (const l of losers) {
      expect(l.res.status, JSON.stringify(l.res.body)).toBe(409);
      expect(LOSER_CODES.has(l.res.body.error.code), `${l.kind}: ${l.res.body.error.code}`).toBe(true);
    }
    expect(losers.filter((l) => l.kind === 'pause')).toHaveLength(50);
    const winner = winners[0]!;

    // An approve or reject records the decision; the worker resumes it (here: its resume phase, for this execution).
    if (winner.kind === 'approve' || winner.kind === 'reject') {
      const c = await resumeDecidedExecutions(testDb(), { batchSize: 1, now: () => new Date(), log, executionId: ex.id });
      expect(c).toMatchObject({ resumed: 1, errors: 0 });
    }
    const approved = winner.kind === 'approve' || (winner.kind === 'resume' && (winner.res.body as { resume_data: { approved: boolean } }).resume_data.approved);

    const d = (await api(starter.token).get<ExecutionDetail>(`/api/v1/executions/${ex.id}`)).body;
    expect(d.status).toBe(approved ? 'completed' : 'rejected');
    expect((d as unknown as { resume_count: number }).resume_count).toBe(1);
    const types = d.events.map((e) => e.type);
    const count = (t: string) => types.filter((x) => x === t).length;
    expect(count('started')).toBe(1);
    expect(count('paused')).toBe(1);
    expect(count('approval_requested')).toBe(1);
    expect(count('resumed')).toBe(1);
    // One decision event (approved or rejected, carrying the approval id), whoever made it.
    const decisions = d.events.filter((e) => (e.type === 'approved' || e.type === 'rejected') && e.data?.approval_id === approvalId);
    expect(decisions).toHaveLength(1);
    expect(decisions[0]!.type).toBe(approved ? 'approved' : 'rejected');
    expect(d.events.filter((e) => e.type === 'step_completed' && e.step_id === 'fulfil')).toHaveLength(approved ? 1 : 0);
    expect(count('completed')).toBe(approved ? 1 : 0);
    // Ends after the decision, and nothing happens after the end.
    const last = d.events[d.events.length - 1]!;
    expect(last.type).toBe(approved ? 'completed' : 'rejected');
    // The log is append-only and in order.
    for (let i = 1; i < d.events.length; i++) {
      expect(d.events[i]!.id).toBeGreaterThan(d.events[i - 1]!.id);
      expect(Date.parse(d.events[i]!.created_at)).toBeGreaterThanOrEqual(Date.parse(d.events[i - 1]!.created_at));
    }
    // The approval request agrees, with exactly one decision recorded.
    const approval = (await api(starter.token).get(`/api/v1/approvals/${approvalId}`)).body as { status: string; decisions: unknown[] };
    expect(approval.status).toBe(approved ? 'approved' : 'rejected');
    expect(approval.decisions).toHaveLength(1);
  });

  it('a two-of-three quorum under 30 concurrent votes: two votes count, the paused list shows them, one resume', async () => {
    const key = await createWorkflowApi(
      starter.token,
      {
        steps: [
          { id: 'gate', type: 'approval', reason: 'Two of three', required_approvals: 2, approver_role: 'approver', on_approve: 'done' },
          { id: 'done', type: 'action', action: { type: 'set', values: { done: true } } },
        ],
      },
      'Quorum race',
    );
    const ex = await startExecutionApi(starter.token, key, { amount: 1 });
    const approvalId = (await api(starter.token).get<ExecutionDetail>(`/api/v1/executions/${ex.id}`)).body.approvals[0]!.id;
    const voters = approvers.slice(0, 3);
    const results = await Promise.all(
      shuffle(
        voters.flatMap((v) => Array.from({ length: 10 }, () => v)),
        42,
      ).map((v) => api(v.token).post(`/api/v1/approvals/${approvalId}/approve`, {})),
    );
    expect(results.filter((r) => r.status >= 500)).toEqual([]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(2);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(409);
      expect(['already_decided', 'not_pending']).toContain(r.body.error.code);
    }

    // Decided, not yet resumed: the paused list carries the approval with both decisions.
    const page = await api(starter.token).get(`/api/v1/executions/paused?workflow_id=${key}`);
    expect(page.status).toBe(200);
    const row = (page.body.executions as { id: string; decided_at: string | null; approval: { status: string; approvals_received: number; decisions: { actor: string; decision: string; created_at: string }[] } }[]).find(
      (e) => e.id === ex.id,
    )!;
    expect(row.decided_at).not.toBeNull();
    expect(row.approval.status).toBe('approved');
    expect(row.approval.approvals_received).toBe(2);
    expect(row.approval.decisions).toHaveLength(2);
    expect(new Set(row.approval.decisions.map((x) => x.actor)).size).toBe(2);
    for (const x of row.approval.decisions) {
      expect(x.decision).toBe('approve');
      expect(new Date(x.created_at).toISOString()).toBe(x.created_at);
    }

    await resumeDecidedExecutions(testDb(), { batchSize: 1, now: () => new Date(), log, executionId: ex.id });
    const d = (await api(starter.token).get<ExecutionDetail>(`/api/v1/executions/${ex.id}`)).body;
    expect(d.status).toBe('completed');
    expect(d.events.filter((e) => e.type === 'resumed')).toHaveLength(1);
    expect(d.events.filter((e) => e.type === 'approved')).toHaveLength(2);
  });
});
