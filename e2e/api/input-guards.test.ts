import { beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '@/lib/core/access/api-tokens';
import { AppError } from '@/lib/core/errors';
import { encodeCursor } from '@/lib/core/pagination';
import { testDb, tokenForRole, uid } from '../helpers/env';
import { api, call } from '../helpers/http';

let admin: string;
beforeAll(async () => {
  admin = await tokenForRole('admin');
});

describe('input guards', () => {
  it.each([
    ['a wait of a billion days', { steps: [{ id: 'w', type: 'wait', duration: 'P999999999D' }] }, 'definition.steps.0.duration'],
    ['an approval timeout of a billion days', { steps: [{ id: 'a', type: 'approval', reason: 'r', timeout: 'P999999999D' }] }, 'definition.steps.0.timeout'],
    ['a pause timeout past ten years', { steps: [{ id: 'p', type: 'pause', timeout: 'P3651D' }] }, 'definition.steps.0.timeout'],
  ])('refuses %s with 422 instead of failing later', async (_name, definition, path) => {
    const res = await api(admin).post('/api/v1/workflows', { key: uid('dur'), name: 'Durations', definition });
    expect(res.status).toBe(422);
    expect(res.body.error.message.startsWith(path)).toBe(true);
  });

  it('refuses a condition nested a thousand levels deep with 422, not a crash', async () => {
    let condition: unknown = { field: 'x', operator: '==', value: 1 };
    for (let i = 0; i < 1000; i++) condition = { and: [condition] };
    const res = await api(admin).post('/api/v1/workflows', { key: uid('deep'), name: 'Deep', definition: { steps: [{ id: 'c', type: 'condition', condition }] } });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/nested deeper/);
  });

  it.each([
    ['/api/v1/executions', ['not-a-date', 'x']],
    ['/api/v1/executions', ['2024-01-01T00:00:00Z', 'not-a-uuid']],
    ['/api/v1/approvals', ['not-a-date', '00000000-0000-4000-8000-000000000000']],
    ['/api/v1/approvals', ['2024-01-01T00:00:00Z', "x' or 1=1 --"]],
    ['/api/v1/executions/paused', ['2024-13-45', '00000000-0000-4000-8000-000000000000']],
  ])('refuses a crafted cursor on %s with 422', async (path, parts) => {
    const res = await call('GET', `${path}?cursor=${encodeCursor(parts)}`, { token: admin });
    expect(res.status).toBe(422);
    expect(res.body.error).toEqual({ code: 'validation_failed', message: 'invalid cursor' });
  });

  it('refuses a token expiry of zero or less instead of making a token that never expires', async () => {
    for (const expiresInMs of [0, -1000]) {
      await expect(createApiToken(testDb(), { name: uid('zero'), permissions: ['execution:read'], expiresInMs })).rejects.toBeInstanceOf(AppError);
    }
  });
});
