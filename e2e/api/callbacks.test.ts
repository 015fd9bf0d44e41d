import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { expireHeldCallbacks } from '@/lib/core/worker/expire-held-callbacks';
import { log } from '@/lib/log';
import { testDb, tokenWith, uid, userWithToken } from '../helpers/env';
import { api, expectError } from '../helpers/http';
import { createWorkflowApi, startExecutionApi, type ExecutionDetail, type ExecutionDto } from '../helpers/workflows';

/**
 * Issue 13, callbacks by key: a `pause` step waits on `callback_key`, POST /callbacks/{key} resumes
 * it (200) or is held until a pause on the key consumes it (202), exactly once; keys are unique among
 * paused executions; held callbacks are listed and expire. Real HTTP, real PostgreSQL.
 */
type Person = Awaited<ReturnType<typeof userWithToken>>;
type Held = { held: true; expires_at: string; callback: { id: string; key: string; status: string; consumed_by: string | null } };

const KEYED = {
  steps: [
    { id: 'prepare', type: 'action', action: { type: 'set', values: { prepared: true } }, next: 'wait-payment' },
    { id: 'wait-payment', type: 'pause', reason: 'Awaiting the payment provider', callback_key: 'payment:${order.id}', timeout: 'PT1H', next: 'record' },
    { id: 'record', type: 'action', action: { type: 'set', values: { recorded: true } } },
  ],
};

let admin: Person;
let operator: Person;
let keyed: string;

beforeAll(async () => {
  [admin, operator] = await Promise.all([userWithToken('admin'), userWithToken('operator')]);
  keyed = await createWorkflowApi(admin.token, KEYED, 'Keyed payment');
});

const send = (token: string, key: string, data: Record<string, unknown> = {}, headers?: Record<string, string>) =>
  api(token).post(`/api/v1/callbacks/${key}`, { resume_data: data }, headers);
const detail = async (id: string) => (await api(admin.token).get<ExecutionDetail>(`/api/v1/executions/${id}`)).body;
const eventTypes = async (id: string) => (await detail(id)).events.map((e) => e.type);
const count = (xs: string[], x: string) => xs.filter((y) => y === x).length;
async function callbackRows(key: string) {
  const r = await testDb().execute<{ id: string; status: string; consumed_by: string | null }>(sql`select id, status, consumed_by from callbacks where key = ${key} order by created_at`);
  return r.rows;
}

describe('callback_key on a pause step', () => {
  it('refuses a bad template at creation with 422 naming the path', async () => {
    for (const bad of ['payment:${order.id', 'pay ment:${id}', 'payment:${a b}', 'payment:${}', 'pay/${id}', 'cost:$5']) {
      const steps = [{ id: 'p', type: 'pause', callback_key: bad }];
      const res = await api(admin.token).post('/api/v1/workflows', { key: uid('bad'), name: 'Bad key', definition: { steps } });
      const err = expectError(res, 422, 'validation_failed');
      expect(err.error.message, bad).toContain('steps.0.callback_key');
    }
    // Approvals are decided by people: a callback key there is not a field.
    const approval = [{ id: 'a', type: 'approval', reason: 'x', callback_key: 'k:${id}' }];
    expectError(await api(admin.token).post('/api/v1/workflows', { key: uid('bad'), name: 'Bad', definition: { steps: approval } }), 422, 'validation_failed');
  });

  it('fails the execution with a clear reason when the key does not resolve', async () => {
    const missing = await startExecutionApi(admin.token, keyed, { order: {} });
    expect(missing.status).toBe('failed');
    expect(missing.error).toMatch(/invalid callback key: .*\$\{order\.id\} is missing from the context/);
    const bad = await startExecutionApi(admin.token, keyed, { order: { id: 'a/b c' } });
    expect(bad.status).toBe('failed');
    expect(bad.error).toMatch(/resolved to "payment:a\/b c", which is not 1-200 characters/);
    const long = await startExecutionApi(admin.token, keyed, { order: { id: 'x'.repeat(200) } });
    expect(long.status).toBe('failed');
  });

  it('fails a second pause on a key another paused execution waits on, naming the holder; the index backs it', async () => {
    const order = uid('o');
    const first = await startExecutionApi(admin.token, keyed, { order: { id: order } });
    expect(first.status).toBe('paused');
    expect(first.callback_key).toBe(`payment:${order}`);
    const second = await startExecutionApi(admin.token, keyed, { order: { id: order } });
    expect(second.status).toBe('failed');
    expect(second.error).toBe(`callback_key_in_use: execution ${first.id} is already paused on callback key "payment:${order}"`);
    const failed = (await detail(second.id)).events.find((e) => e.type === 'failed')!;
    expect(failed.data).toMatchObject({ reason: 'callback_key_in_use', holder: first.id });
    // Not only the application: the partial unique index refuses a second paused row on the key.
    const other = await startExecutionApi(admin.token, keyed, { order: { id: uid('o') } });
    await expect(testDb().execute(sql`update workflow_executions set callback_key = ${`payment:${order}`} where id = ${other.id}::uuid`)).rejects.toMatchObject({
      cause: { code: '23505', constraint: 'uq_executions_paused_callback_key' },
    });
    // Once the holder is resumed the key is free again.
    expect((await send(admin.token, `payment:${order}`, { paid: 1 })).status).toBe(200);
    expect((await startExecutionApi(admin.token, keyed, { order: { id: order } })).status).toBe('paused');
  });
});

describe('POST /api/v1/callbacks/{key}', () => {
  it('resumes the execution waiting on the key exactly as a resume would (200)', async () => {
    const order = uid('o');
    const ex = await startExecutionApi(admin.token, keyed, { order: { id: order } });
    expect(ex.status).toBe('paused');
    const res = await send(operator.token, `payment:${order}`, { paid: 4200 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const out = res.body as ExecutionDto;
    expect(out).toMatchObject({ id: ex.id, status: 'completed', resume_count: 1, resume_data: { paid: 4200 } });
    expect(out.context).toMatchObject({ prepared: true, paid: 4200, recorded: true });
    const types = await eventTypes(ex.id);
    expect(count(types, 'resumed')).toBe(1);
    const resumed = (await detail(ex.id)).events.find((e) => e.type === 'resumed')!;
    expect(resumed.actor).toBe(operator.email);
    // Nobody waits now: the next callback for the key is held instead.
    expect((await send(operator.token, `payment:${order}`, { late: true })).status).toBe(202);
  });

  it('holds a callback that arrives first; the pause consumes it in its own transaction and runs on at once', async () => {
    const order = uid('o');
    const key = `payment:${order}`;
    const before = Date.now();
    const res = await send(operator.token, key, { paid: 99 });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const held = res.body as Held;
    expect(held.held).toBe(true);
    const ttl = new Date(held.expires_at).getTime() - before;
    expect(ttl).toBeGreaterThan(24 * 3_600_000 - 60_000); // CALLBACK_HOLD, 24 h by default
    expect(ttl).toBeLessThan(24 * 3_600_000 + 60_000);
    expect(held.callback).toMatchObject({ key, status: 'held', consumed_by: null });
    const listed = (await api(admin.token).get(`/api/v1/callbacks?status=held&key=${key}`)).body as { callbacks: { id: string }[] };
    expect(listed.callbacks.map((c) => c.id)).toEqual([held.callback.id]);
    // A second callback for the key while one is held: 409, nothing held twice.
    const again = expectError(await send(operator.token, key, { paid: 100 }), 409, 'conflict');
    expect(again.error.message).toContain(held.callback.id);

    const ex = await startExecutionApi(admin.token, keyed, { order: { id: order } });
    expect(ex).toMatchObject({ status: 'completed', resume_count: 1, resume_data: { paid: 99 } });
    expect(ex.context).toMatchObject({ paid: 99, recorded: true });
    const types = await eventTypes(ex.id);
    expect(types.indexOf('paused')).toBeLessThan(types.indexOf('callback_consumed'));
    expect(types.indexOf('callback_consumed')).toBeLessThan(types.indexOf('resumed'));
    expect(count(types, 'resumed')).toBe(1);
    expect(await callbackRows(key)).toEqual([{ id: held.callback.id, status: 'consumed', consumed_by: ex.id }]);
    const consumed = (await api(admin.token).get(`/api/v1/callbacks?status=consumed&key=${key}`)).body as { callbacks: { consumed_by: string }[] };
    expect(consumed.callbacks).toHaveLength(1);
    expect(consumed.callbacks[0]!.consumed_by).toBe(ex.id);
    // Consumed once: the next pause on the key waits.
    expect((await startExecutionApi(admin.token, keyed, { order: { id: order } })).status).toBe('paused');
  });

  it('refuses a held callback whose resume_data does not match the pause step\'s input_schema: the execution waits on', async () => {
    const typed = await createWorkflowApi(
      admin.token,
      {
        steps: [
          {
            id: 'wait-payment',
            type: 'pause',
            reason: 'Awaiting the payment provider',
            callback_key: 'payment:${order.id}',
            input_schema: { type: 'object', required: ['paid'], properties: { paid: { type: 'number', minimum: 0 } } },
            next: 'record',
          },
          { id: 'record', type: 'action', action: { type: 'set', values: { recorded: true } } },
        ],
      },
      'Typed keyed payment',
    );
    const order = uid('o');
    const key = `payment:${order}`;
    const bad = (await send(operator.token, key, { paid: 'lots' })).body as Held;
    expect(bad.held).toBe(true);

    // The pause finds it, judges it as a resume through the API would, and refuses it: still paused.
    const ex = await startExecutionApi(admin.token, typed, { order: { id: order } });
    expect(ex).toMatchObject({ status: 'paused', resume_count: 0 });
    const rows = (await api(admin.token).get(`/api/v1/callbacks?status=refused&key=${key}`)).body as { callbacks: { id: string; consumed_by: string; refused_reason: string }[] };
    expect(rows.callbacks).toHaveLength(1);
    expect(rows.callbacks[0]).toMatchObject({ id: bad.callback.id, consumed_by: ex.id });
    expect(rows.callbacks[0]!.refused_reason).toMatch(/resume_data\.paid/);
    const refused = (await detail(ex.id)).events.find((e) => e.type === 'callback_refused');
    expect(refused?.data).toMatchObject({ callback_id: bad.callback.id, callback_key: key });

    // A callback that matches resumes it (200), exactly as a resume would.
    const good = await send(operator.token, key, { paid: 42 });
    expect(good.status, JSON.stringify(good.body)).toBe(200);
    expect(good.body).toMatchObject({ status: 'completed', resume_count: 1, context: { paid: 42, recorded: true } });
  });

  it('honours Idempotency-Key: a retry gets the first answer (202 too) and holds nothing twice', async () => {
    const key = `payment:${uid('o')}`;
    const idem = { 'idempotency-key': uid('idem') };
    const first = await send(operator.token, key, { n: 1 }, idem);
    expect(first.status).toBe(202);
    const retry = await send(operator.token, key, { n: 1 }, idem);
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(await callbackRows(key)).toHaveLength(1);
    expectError(await send(operator.token, key, { n: 2 }, idem), 422, 'idempotency_key_reused');
  });

  it('refuses bad keys and bodies with 422, and callers without callback:send with 403', async () => {
    expectError(await send(operator.token, 'bad%20key', {}), 422, 'validation_failed');
    expectError(await send(operator.token, 'x'.repeat(201), {}), 422, 'validation_failed');
    expectError(await api(operator.token).post('/api/v1/callbacks/ok:1', { resume_data: [1] }), 422, 'validation_failed');
    expectError(await api(operator.token).post('/api/v1/callbacks/ok:1', { data: {} }), 422, 'validation_failed');
    const approver = await userWithToken('approver');
    expect(expectError(await send(approver.token, 'ok:1', {}), 403, 'forbidden').error.message).toContain('callback:send');
    // A system's own token may hold it.
    const system = await tokenWith(['callback:send']);
    expect((await send(system, `payment:${uid('o')}`, { from: 'gateway' })).status).toBe(202);
    expect(expectError(await api(system).get('/api/v1/callbacks'), 403, 'forbidden').error.message).toContain('execution:read');
  });

  it('lists callbacks keyset-paged and refuses a bad status or cursor', async () => {
    const prefix = uid('page');
    for (let i = 0; i < 3; i++) expect((await send(operator.token, `${prefix}:${i}`, { i })).status).toBe(202);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let guard = 0; guard < 1000; guard++) {
      const page = (await api(admin.token).get(`/api/v1/callbacks?status=held&limit=2${cursor ? `&cursor=${cursor}` : ''}`)).body as { callbacks: { key: string }[]; next_cursor: string | null };
      seen.push(...page.callbacks.map((c) => c.key));
      cursor = page.next_cursor;
      if (!cursor) break;
    }
    expect(seen.filter((k) => k.startsWith(prefix))).toEqual([`${prefix}:0`, `${prefix}:1`, `${prefix}:2`]);
    expect(new Set(seen).size).toBe(seen.length);
    expectError(await api(admin.token).get('/api/v1/callbacks?status=lost'), 422, 'validation_failed');
    expectError(await api(admin.token).get('/api/v1/callbacks?cursor=nope'), 422, 'validation_failed');
  });

  it('expires held callbacks visibly (the worker sweep); an expired one is never consumed', async () => {
    const order = uid('o');
    const key = `payment:${order}`;
    const held = (await send(operator.token, key, { stale: true })).body as Held;
    // Only this row is due at this (past) clock, so the sweep touches nothing of other tests.
    await testDb().execute(sql`update callbacks set expires_at = '2001-01-01T00:00:00Z' where id = ${held.callback.id}::uuid`);
    const n = await expireHeldCallbacks(testDb(), { batchSize: 50, now: () => new Date('2001-01-02T00:00:00Z'), log });
    expect(n).toBeGreaterThanOrEqual(1);
    const expired = (await api(admin.token).get(`/api/v1/callbacks?status=expired&key=${key}`)).body as { callbacks: { id: string; expired_at: string }[] };
    expect(expired.callbacks.map((c) => c.id)).toEqual([held.callback.id]);
    expect(expired.callbacks[0]!.expired_at).toBe('2001-01-02T00:00:00.000Z');
    const ex = await startExecutionApi(admin.token, keyed, { order: { id: order } });
    expect(ex.status).toBe('paused');
    expect(ex.resume_count).toBe(0);
    // A held callback past its time (not yet swept) is not consumed either, and does not block a new one.
    const key2 = `payment:${uid('o')}`;
    const held2 = (await send(operator.token, key2, { stale: true })).body as Held;
    await testDb().execute(sql`update callbacks set expires_at = now() - interval '1 second' where id = ${held2.callback.id}::uuid`);
    expect((await send(operator.token, key2, { fresh: true })).status).toBe(202);
    expect((await callbackRows(key2)).map((r) => r.status)).toEqual(['expired', 'held']);
  });
});

describe('race: callbacks for one waiting execution', () => {
  it('exactly one resumes it; the others get 409, or one is held for the next pause on the key', async () => {
    const order = uid('o');
    const ex = await startExecutionApi(admin.token, keyed, { order: { id: order } });
    expect(ex.status).toBe('paused');
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => send(operator.token, `payment:${order}`, { n: i })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 202).length).toBeLessThanOrEqual(1);
    for (const r of results.filter((x) => x.status === 409)) expect(['not_paused', 'conflict']).toContain((r.body as { error: { code: string } }).error.code);
    expect(statuses.every((s) => [200, 202, 409].includes(s))).toBe(true);
    const d = await detail(ex.id);
    expect(d.resume_count).toBe(1);
    expect(count(d.events.map((e) => e.type), 'resumed')).toBe(1);
    const winner = results.find((r) => r.status === 200)!.body as ExecutionDto;
    expect(d.resume_data).toEqual(winner.resume_data);
  });
});

describe('race: a callback and the pause on its key arrive together', () => {
  it('100 rounds: every execution resumed exactly once, no callback lost, none applied twice', async () => {
    const rounds = 100;
    const outcomes = { direct: 0, held: 0 };
    const run = async (i: number) => {
      const order = `${uid('race')}-${i}`;
      const key = `payment:${order}`;
      // A start takes longer than a callback: a jitter on the callback lets either arrive first.
      const jitter = (i * 7) % 40;
      const [started, cb] = await Promise.all([
        api(admin.token).post<ExecutionDto>('/api/v1/executions', { workflow_id: keyed, trigger_payload: { order: { id: order } } }),
        new Promise((r) => setTimeout(r, jitter)).then(() => send(operator.token, key, { round: i })),
      ]);
      expect(started.status, JSON.stringify(started.body)).toBe(201);
      expect([200, 202], JSON.stringify(cb.body)).toContain(cb.status);
      outcomes[cb.status === 200 ? 'direct' : 'held']++;
      const id = started.body.id;
      const d = await detail(id);
      expect(d.status, `round ${i}: ${JSON.stringify(d.events.map((e) => e.type))}`).toBe('completed');
      expect(d.resume_count).toBe(1);
      expect(d.context).toMatchObject({ round: i, recorded: true });
      const types = d.events.map((e) => e.type);
      expect(count(types, 'resumed')).toBe(1);
      const rows = await callbackRows(key);
      if (cb.status === 200) {
        expect(rows).toEqual([]);
        expect(count(types, 'callback_consumed')).toBe(0);
      } else {
        expect(rows).toEqual([{ id: (cb.body as Held).callback.id, status: 'consumed', consumed_by: id }]);
        expect(count(types, 'callback_consumed')).toBe(1);
      }
    };
    for (let i = 0; i < rounds; i += 5) await Promise.all([0, 1, 2, 3, 4].map((j) => run(i + j)));
    expect(outcomes.direct + outcomes.held).toBe(rounds);
    // Across every round: no callback of this test left held, none consumed twice.
    const left = await testDb().execute<{ n: number }>(sql`select count(*)::int as n from callbacks where key like 'payment:race-%' and status = 'held'`);
    expect(left.rows[0]!.n).toBe(0);
    const twice = await testDb().execute<{ n: number }>(
      sql`select count(*)::int as n from (select consumed_by from callbacks where key like 'payment:race-%' and consumed_by is not null group by consumed_by having count(*) > 1) x`,
    );
    expect(twice.rows[0]!.n).toBe(0);
    console.log(`[race] ${rounds} rounds: ${outcomes.direct} resumed directly (200), ${outcomes.held} held then consumed by the pause (202)`);
  }, 300_000);
});
