/**
 * GET /api/v1/events: the console's live updates. Real HTTP against the test server, real
 * PostgreSQL triggers (migration 0005) and the server's one LISTEN connection.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { BASE_URL, testPool, tokenWith, uid, userWithToken } from '../helpers/env';
import { api, call } from '../helpers/http';
import { APPROVAL_FLOW, CALLBACK_FLOW, createWorkflowApi, startExecutionApi } from '../helpers/workflows';

type SseEvent = { event: string; data: string };

/** An open event stream, parsed as it arrives. */
async function openStream(token: string) {
  const ctrl = new AbortController();
  const res = await fetch(`${BASE_URL}/api/v1/events`, { headers: { authorization: `Bearer ${token}` }, signal: ctrl.signal });
  const events: SseEvent[] = [];
  const raw: string[] = [];
  let buffer = '';
  const pump = (async () => {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        const text = decoder.decode(value, { stream: true });
        raw.push(text);
        buffer += text;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) events.push({ event, data: data.join('\n') });
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    res,
    events,
    raw,
    /** The first event (from `from` on) that `match` accepts, waiting up to `withinMs`. */
    async next(match: (e: SseEvent) => boolean, withinMs = 5000, from = 0): Promise<SseEvent> {
      const end = Date.now() + withinMs;
      for (;;) {
        const hit = events.slice(from).find(match);
        if (hit) return hit;
        if (Date.now() > end) throw new Error(`no matching event within ${withinMs} ms; got ${JSON.stringify(events)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: async () => {
      ctrl.abort();
      await pump;
    },
  };
}

const change = (e: SseEvent) => (e.event === 'change' ? (JSON.parse(e.data) as Record<string, unknown>) : null);

const open: { close: () => Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
});

async function listening(token: string) {
  const s = await openStream(token);
  open.push(s);
  expect(s.res.status).toBe(200);
  expect(s.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  expect(s.res.headers.get('cache-control')).toContain('no-cache');
  await s.next((e) => e.event === 'status' && JSON.parse(e.data).listening === true, 10_000);
  return s;
}

/** An execution paused at an approval step, and its pending request. */
async function awaitingApproval(admin: string) {
  const key = await createWorkflowApi(admin, APPROVAL_FLOW);
  const exec = await startExecutionApi(admin, key, { amount: 50_000 });
  const detail = await api(admin).get<{ approvals: { id: string }[] }>(`/api/v1/executions/${exec.id}`);
  return { exec, approvalId: detail.body.approvals[0]!.id };
}

describe('GET /api/v1/events', () => {
  it('needs credentials and execution:read', async () => {
    const none = await fetch(`${BASE_URL}/api/v1/events`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    const token = await tokenWith(['workflow:read']);
    const forbidden = await fetch(`${BASE_URL}/api/v1/events`, { headers: { authorization: `Bearer ${token}` } });
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { error: { message: string } }).error.message).toContain('execution:read');
  });

  it('pushes execution changes made through the API: started, paused, resumed, completed', async () => {
    const admin = (await userWithToken('admin')).token;
    const stream = await listening(await tokenWith(['execution:read']));
    const key = await createWorkflowApi(admin, CALLBACK_FLOW);
    const from = stream.events.length;
    const exec = await startExecutionApi(admin, key);
    expect(exec.status).toBe('paused');
    const paused = await stream.next((e) => change(e)?.id === exec.id && change(e)?.s === 'paused', 5000, from);
    expect(JSON.parse(paused.data)).toEqual({ k: 'e', id: exec.id, s: 'paused' });

    const res = await api(admin).post(`/api/v1/executions/${exec.id}/resume`, { resume_data: { paid: true } });
    expect(res.status).toBe(200);
    await stream.next((e) => change(e)?.id === exec.id && change(e)?.s === 'completed', 5000, from);
  });

  it('pushes approval decisions with the execution they belong to', async () => {
    const admin = (await userWithToken('admin')).token;
    const approver = (await userWithToken('approver')).token;
    const stream = await listening(admin);
    const { exec, approvalId } = await awaitingApproval(admin);
    const from = stream.events.length;
    expect((await api(approver).post(`/api/v1/approvals/${approvalId}/approve`, { comment: 'ok' })).status).toBe(200);
    const decided = await stream.next((e) => change(e)?.k === 'a' && change(e)?.id === approvalId, 5000, from);
    expect(JSON.parse(decided.data)).toEqual({ k: 'a', id: approvalId, e: exec.id, s: 'approved' });
    // The decision is written to the execution too (decided_at): announced for the execution.
    await stream.next((e) => change(e)?.k === 'e' && change(e)?.id === exec.id, 5000, from);
  });

  it('pushes an escalation (who may decide changed) as an approval change, also when made in psql', async () => {
    const admin = (await userWithToken('admin')).token;
    const stream = await listening(admin);
    const { exec, approvalId } = await awaitingApproval(admin);
    const from = stream.events.length;
    const escalatedTo = (await userWithToken('approver')).email;
    await testPool().query(`update approval_requests set escalated_to = array[$2::text], escalated_at = now() where id = $1`, [approvalId, escalatedTo]);
    const escalated = await stream.next((e) => change(e)?.k === 'a' && change(e)?.id === approvalId, 5000, from);
    expect(JSON.parse(escalated.data)).toEqual({ k: 'a', id: approvalId, e: exec.id, s: 'pending' });
  });

  it('pushes a delegation set and ended, naming nobody', async () => {
    const stream = await listening(await tokenWith(['execution:read']));
    const alice = await userWithToken('approver');
    const carol = await userWithToken('approver');
    let from = stream.events.length;
    const set = await call('PUT', '/api/v1/me/delegation', { token: alice.token, body: { to: carol.email, until: new Date(Date.now() + 86_400_000).toISOString() } });
    expect(set.status).toBe(200);
    const d = await stream.next((e) => change(e)?.k === 'd', 5000, from);
    expect(JSON.parse(d.data)).toEqual({ k: 'd' });
    from = stream.events.length;
    expect((await call('DELETE', '/api/v1/me/delegation', { token: alice.token })).status).toBe(200);
    await stream.next((e) => change(e)?.k === 'd', 5000, from);
  });

  it('announces a bulk insert once, as "many", and ignores changes the console does not show', async () => {
    const admin = (await userWithToken('admin')).token;
    const stream = await listening(admin);
    const key = await createWorkflowApi(admin, CALLBACK_FLOW);
    const exec = await startExecutionApi(admin, key);
    const pool = testPool();
    const marker = uid('bulk');
    const from = stream.events.length;
    // A context write (what every step does) changes nothing the console shows: no message.
    await pool.query(`update workflow_executions set context = context || '{"touched": true}'::jsonb where id = $1`, [exec.id]);
    await pool.query(
      `insert into workflow_executions (workflow_id, status, trigger_payload, context, started_by)
       select workflow_id, 'completed', jsonb_build_object('marker', $2::text, 'n', g), '{}'::jsonb, 'test'
         from workflow_executions, generate_series(1, 25) g where id = $1`,
      [exec.id, marker],
    );
    await stream.next((e) => change(e)?.many === true, 5000, from);
    await pool.query(`update workflow_executions set status = 'cancelled' where id = $1`, [exec.id]);
    await stream.next((e) => change(e)?.id === exec.id && change(e)?.s === 'cancelled', 5000, from);
    // For this execution: the status change only, nothing for the context write. (Other test files
    // run meanwhile, so other executions' messages may be in the stream too.)
    const mine = stream.events.slice(from).map(change).filter((c) => c?.id === exec.id);
    expect(mine).toEqual([{ k: 'e', id: exec.id, s: 'cancelled' }]);
  });

  it('serves every stream from one LISTEN connection per web process', async () => {
    const token = await tokenWith(['execution:read']);
    for (let i = 0; i < 5; i++) await listening(token);
    const r = await testPool().query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and query = 'LISTEN wr_console_changes'`,
    );
    expect(r.rows[0]!.n).toBe(1);
  });
});
