/**
 * Workflows in tests: created and run through the API (…Api), or in process against a database of
 * the test's own (…In), and their timelines read.
 */
import { expect } from 'vitest';
import type { Db } from '@/lib/db/client';
import { createWorkflow, ZCreateWorkflow } from '@/lib/core/workflows/workflows';
import { startExecution } from '@/lib/core/executions/start-execution';
import { getExecution, listExecutionEvents } from '@/lib/core/executions/get-execution';
import type { Actor } from '@/lib/core/access/permissions';
import type { ExecutionDetailDto, ExecutionDto } from '@/lib/core/executions/execution-dto';
import { uid } from './env';
import { api } from './http';

export type StepDef = Record<string, unknown>;

// The API's own response types (inferred from the schemas it documents), so a test reads only fields
// the API sends.
export type { ExecutionDto, ExecutionDetailDto as ExecutionDetail, ExecutionEventDto as EventDto } from '@/lib/core/executions/execution-dto';

/** A workflow whose approval step blocks orders over 10,000 (the README's example). */
export const APPROVAL_FLOW = {
  steps: [
    { id: 'check-amount', type: 'condition', condition: { field: 'amount', operator: '>', value: 10000 }, on_true: 'require-approval', on_false: 'auto-approve' },
    { id: 'require-approval', type: 'action', action: { type: 'block', reason: 'Requires manager approval' }, next: 'fulfil' },
    { id: 'fulfil', type: 'action', action: { type: 'set', values: { fulfilled: true } } },
    { id: 'auto-approve', type: 'action', action: { type: 'allow' } },
  ],
};

/** set → pause step → set: a workflow that pauses for a callback. */
export const CALLBACK_FLOW = {
  steps: [
    { id: 'prepare', type: 'action', action: { type: 'set', values: { prepared: true } }, next: 'wait-gateway' },
    { id: 'wait-gateway', type: 'pause', reason: 'Awaiting payment gateway callback', next: 'record' },
    { id: 'record', type: 'action', action: { type: 'set', values: { recorded: true } } },
  ],
};

/** Creates a workflow through the API — from its steps or a whole definition — and returns its key. */
export async function createWorkflowApi(token: string, definition: StepDef[] | object, name?: string): Promise<string> {
  const key = uid('wf');
  const res = await api(token).post('/api/v1/workflows', { key, name: name ?? 'Test workflow', definition: Array.isArray(definition) ? { steps: definition } : definition });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return key;
}

/** POST /executions (201 expected). */
export async function startExecutionApi(token: string, workflowKey: string, payload: Record<string, unknown> = {}) {
  const res = await api(token).post<ExecutionDto>('/api/v1/executions', { workflow_id: workflowKey, trigger_payload: payload });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** POST /executions and then GET /executions/{id} (which carries the events). */
export async function startApi(token: string, workflowKey: string, payload: Record<string, unknown> = {}) {
  const started = await startExecutionApi(token, workflowKey, payload);
  const detail = await api(token).get<ExecutionDetailDto>(`/api/v1/executions/${started.id}`);
  expect(detail.status).toBe(200);
  return { started, detail: detail.body };
}

/** Polls `fn` until `ok` holds or `timeoutMs` has passed; returns the last value. */
export async function waitFor<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000, stepMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last = await fn();
  while (!ok(last) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, stepMs));
    last = await fn();
  }
  return last;
}

/** Creates a workflow of these steps and runs it once with the payload. */
export async function runSteps(token: string, steps: StepDef[], payload: Record<string, unknown> = {}) {
  const key = await createWorkflowApi(token, steps);
  return { key, ...(await startApi(token, key, payload)) };
}

/** Step ids of `step_completed` events, in order. */
export function completedSteps(events: readonly { type: string; step_id: string | null }[]): (string | null)[] {
  return events.filter((e) => e.type === 'step_completed').map((e) => e.step_id);
}

/** How many times each step completed. */
export function completionCounts(events: readonly { type: string; step_id: string | null }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const id of completedSteps(events)) counts[String(id)] = (counts[String(id)] ?? 0) + 1;
  return counts;
}

/** A linear workflow of `set` steps s1..sn: each records `s<i>: i` in the context. */
export function setChain(n: number): StepDef[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `s${i + 1}`,
    type: 'action',
    action: { type: 'set', values: { [`s${i + 1}`]: i + 1 } },
    ...(i + 1 < n ? { next: `s${i + 2}` } : {}),
  }));
}

export const TEST_ACTOR: Actor = {
  kind: 'token',
  id: 'token:test-runner',
  name: 'test-runner',
  role: null,
  permissions: new Set(['workflow:read', 'workflow:write', 'execution:create', 'execution:read', 'execution:cancel']),
};

/** Creates a workflow directly in a database (for isolated databases the web server does not use). */
export async function createWorkflowIn(db: Db, steps: StepDef[], key = uid('wf')): Promise<string> {
  await createWorkflow(db, ZCreateWorkflow.parse({ key, name: `Test ${key}`, definition: { steps } }));
  return key;
}

export async function startIn(db: Db, key: string, payload: Record<string, unknown> = {}, opts: Parameters<typeof startExecution>[3] = {}) {
  return startExecution(db, TEST_ACTOR, { workflow_id: key, trigger_payload: payload }, opts);
}

/** The execution with its whole timeline: the detail's newest events and every older page before them. */
export async function detailIn(db: Db, id: string): Promise<ExecutionDetailDto> {
  const detail = await getExecution(db, id);
  let events = detail.events;
  for (let cursor = detail.events_next_cursor; cursor; ) {
    const page = await listExecutionEvents(db, id, { cursor, limit: 200 });
    events = [...page.events, ...events];
    cursor = page.next_cursor;
  }
  return { ...detail, events };
}
