import { beforeAll, describe, expect, it } from 'vitest';
import { tokenForRole, tokenWith, uid } from '../helpers/env';
import { api, call } from '../helpers/http';

const simple = () => ({
  key: uid('wf'),
  name: 'Simple',
  definition: { steps: [{ id: 'a', type: 'action', action: { type: 'set', values: { done: true } } }] },
});

describe('workflows API', () => {
  let admin: string;
  beforeAll(async () => {
    admin = await tokenForRole('admin');
  });

  it('creates, lists and fetches a workflow by id and by key', async () => {
    const input = simple();
    const created = await api(admin).post('/api/v1/workflows', input);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: input.key, name: 'Simple', version: 1, enabled: true });
    const byKey = await api(admin).get(`/api/v1/workflows/${input.key}`);
    expect(byKey.status).toBe(200);
    expect(byKey.body.id).toBe(created.body.id);
    const byId = await api(admin).get(`/api/v1/workflows/${created.body.id}`);
    expect(byId.body.key).toBe(input.key);
    const list = await api(admin).get('/api/v1/workflows');
    expect(list.body.workflows.some((w: { key: string }) => w.key === input.key)).toBe(true);
  });

  it('refuses a duplicate key with 409', async () => {
    const input = simple();
    expect((await api(admin).post('/api/v1/workflows', input)).status).toBe(201);
    const dup = await api(admin).post('/api/v1/workflows', input);
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('conflict');
  });

  it.each([
    ['no steps', { steps: [] }, 'definition.steps'],
    ['unknown step type', { steps: [{ id: 'a', type: 'teleport' }] }, 'definition.steps.0'],
    ['duplicate ids', { steps: [{ id: 'a', type: 'action', action: { type: 'allow' } }, { id: 'a', type: 'action', action: { type: 'allow' } }] }, 'definition.steps.1.id'],
    ['dangling next', { steps: [{ id: 'a', type: 'action', action: { type: 'log' }, next: 'nowhere' }] }, 'definition.steps.0.next'],
    [
      'dangling on_false',
      { steps: [{ id: 'c', type: 'condition', condition: { field: 'x', operator: '>', value: 1 }, on_true: 'c', on_false: 'zz' }] },
      'definition.steps.0.on_false',
    ],
    ['bad operator', { steps: [{ id: 'c', type: 'condition', condition: { field: 'x', operator: '=~', value: 1 } }] }, 'definition.steps.0'],
    ['bad wait duration', { steps: [{ id: 'w', type: 'wait', duration: 'soon' }] }, 'definition.steps.0.duration'],
    ['fail without reason', { steps: [{ id: 'f', type: 'action', action: { type: 'fail' } }] }, 'definition.steps.0.action'],
    ['approval with zero approvers', { steps: [{ id: 'a', type: 'approval', reason: 'x', required_approvals: 0 }] }, 'definition.steps.0.required_approvals'],
    ['unknown field', { steps: [{ id: 'a', type: 'action', action: { type: 'allow' }, nxt: 'b' }] }, 'definition.steps.0'],
  ])('refuses an invalid definition (%s) with 422 naming the path', async (_name, definition, path) => {
    const res = await api(admin).post('/api/v1/workflows', { key: uid('bad'), name: 'Bad', definition });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.message.startsWith(path)).toBe(true);
  });

  it('needs workflow:write to create and workflow:read to list', async () => {
    const reader = await tokenWith(['workflow:read']);
    expect((await api(reader).post('/api/v1/workflows', simple())).status).toBe(403);
    expect((await api(reader).get('/api/v1/workflows')).status).toBe(200);
    const noRead = await tokenWith(['execution:read']);
    expect((await api(noRead).get('/api/v1/workflows')).status).toBe(403);
    expect((await call('GET', '/api/v1/workflows')).status).toBe(401);
  });

  it('answers 404 for an unknown workflow', async () => {
    const res = await api(admin).get('/api/v1/workflows/does-not-exist');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});
