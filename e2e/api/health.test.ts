import { describe, expect, it } from 'vitest';
import { call } from '../helpers/http';

describe('health', () => {
  it('answers 200 without auth and without data', async () => {
    const res = await call('GET', '/api/v1/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});
