import { expect } from 'vitest';
import type { ExecutionDto } from '@/lib/core/executions/execution-dto';
import { uid } from './env';
import { api } from './http';

export const APPROVAL_FLOW = {
  steps: [
    { id: 'check-amount', type: 'condition', condition: { field: 'amount', operator: '>', value: 10000 }, on_true: 'require-approval', on_false: 'auto-approve' },
    { id: 'require-approval', type: 'action', action: { type: 'block', reason: 'Requires manager approval' }, next: 'fulfil' },
    { id: 'fulfil', type: 'action', action: { type: 'set', values: { fulfilled: true } } },
    { id: 'auto-approve', type: 'action', action: { type: 'allow' } },
  ],
};

/** pause-step → set → pause-step → set: a workflow that pauses for callbacks twice. */
export const CALLBACK_FLOW = {
  steps: [
    { id: 'prepare', type: 'action', action: { type: 'set', values: { prepared: true } }, next: 'wait-gateway' },
    { id: 'wait-gateway', type: 'pause', reason: 'Awaiting payment gateway callback', next: 'record' },
    { id: 'record', type: 'action', action: { type: 'set', values: { recorded: true } } },
  ],
};

export async function createWorkflow(token: string, definition: unknown, name = 'Test workflow'): Promise<string> {
  const key = uid('wf');
  const res = await api(token).post('/api/v1/workflows', { key, name, definition });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return key;
}

export async function startExecution(token: string, workflowKey: string, payload: Record<string, unknown> = {}) {
  const res = await api(token).post('/api/v1/executions', { workflow_id: workflowKey, trigger_payload: payload });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as ExecutionDto;
}

export async function waitFor<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000, stepMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last = await fn();
  while (!ok(last) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, stepMs));
    last = await fn();
  }
  return last;
}
