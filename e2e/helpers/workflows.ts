/**
 * Helpers for the engine, error-contract, token, CLI and crash-safety tests: run workflows through
 * the API, read timelines, assert the one error body, and open isolated databases.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { expect } from 'vitest';
import { createDb, type Db } from '@/lib/db/client';
import { createWorkflow, ZCreateWorkflow } from '@/lib/core/workflows/workflows';
import { startExecution } from '@/lib/core/executions/start-execution';
import { getExecution, listExecutionEvents } from '@/lib/core/executions/get-execution';
import type { Actor } from '@/lib/core/access/permissions';
import type { ErrorBody } from '@/lib/core/errors';
import type { ExecutionDetailDto, ExecutionDto } from '@/lib/core/executions/execution-dto';
import { BASE_URL, isolatedDatabase, uid } from './env';
import { api, type ApiResponse } from './http';

export type StepDef = Record<string, unknown>;

// The API's own response types (inferred from the schemas it documents), so a test reads only fields
// the API sends.
export type { ExecutionDto, ExecutionDetailDto as ExecutionDetail, ExecutionEventDto as EventDto } from '@/lib/core/executions/execution-dto';
export type { ErrorBody } from '@/lib/core/errors';

/** Creates a workflow through the API and returns its key. */
export async function createWorkflowApi(token: string, steps: StepDef[], key = uid('wf')): Promise<string> {
  const res = await api(token).post('/api/v1/workflows', { key, name: `Test ${key}`, definition: { steps } });
  if (res.status !== 201) throw new Error(`could not create workflow ${key}: ${res.status} ${JSON.stringify(res.body)}`);
  return key;
}

/** POST /executions and then GET /executions/{id} (which carries the events). */
export async function startApi(token: string, workflowKey: string, payload: Record<string, unknown> = {}) {
  const started = await api(token).post<ExecutionDto>('/api/v1/executions', { workflow_id: workflowKey, trigger_payload: payload });
  if (started.status !== 201) throw new Error(`could not start ${workflowKey}: ${started.status} ${JSON.stringify(started.body)}`);
  const detail = await api(token).get<ExecutionDetailDto>(`/api/v1/executions/${started.body.id}`);
  expect(detail.status).toBe(200);
  return { started: started.body, detail: detail.body };
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

// Things that must never reach a client: stack frames, file paths, SQL.
const LEAKS = [/\n\s+at\s/, /node_modules/, /\/\.next[\w-]*\//, /\bselect\b.+\bfrom\b/i, /\binsert into\b/i, /\bupdate\s+"/i, /violates|syntax error at/i, /workflow_executions|api_tokens/];

/** The one error body: exactly {"error":{"code","message"}} (details only on 422), nothing leaked. */
export function expectError(res: ApiResponse, status: number, code: string): ErrorBody {
  expect({ status: res.status, body: res.body }).toMatchObject({ status, body: { error: { code } } });
  const body = res.body as ErrorBody;
  expect(Object.keys(body)).toEqual(['error']);
  const allowed = status === 422 ? ['code', 'message', 'details'] : ['code', 'message'];
  for (const k of Object.keys(body.error)) expect(allowed).toContain(k);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  const text = JSON.stringify(body);
  for (const re of LEAKS) expect(text).not.toMatch(re);
  expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  return body;
}

/** A fetch with full control over the body bytes and the content type (null: none at all). */
export async function rawRequest(
  method: string,
  urlPath: string,
  opts: { token?: string; authorization?: string; body?: string | Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>; contentType?: string | null; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.authorization !== undefined) headers.authorization = opts.authorization;
  let body: BodyInit | undefined;
  if (typeof opts.body === 'string') {
    // A Uint8Array body carries no content type of its own, so the header is exactly what we set.
    body = new TextEncoder().encode(opts.body);
  } else body = opts.body;
  if (opts.contentType) headers['content-type'] = opts.contentType;
  const init: RequestInit & { duplex?: 'half' } = { method, headers, body };
  if (opts.body instanceof ReadableStream) init.duplex = 'half';
  const res = await fetch(`${BASE_URL}${urlPath}`, init);
  // An event stream stays open: its first chunk is the answer.
  if (res.ok && res.headers.get('content-type')?.startsWith('text/event-stream')) {
    const reader = res.body!.getReader();
    const first = await reader.read();
    await reader.cancel();
    return { status: res.status, body: new TextDecoder().decode(first.value), headers: res.headers };
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** An isolated, migrated database with its own pool; close() ends the pool and drops it. */
export async function openIsolated(poolSize = 6): Promise<{ url: string; db: Db; close: () => Promise<void> }> {
  const iso = await isolatedDatabase();
  const handle = createDb(iso.url, poolSize);
  return {
    url: iso.url,
    db: handle.db,
    close: async () => {
      await handle.pool.end();
      await iso.drop();
    },
  };
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

export const ROOT = path.resolve(__dirname, '../..');

export type ChildResult = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

/** Runs a TypeScript entry point the way npm scripts do (node --import tsx), collecting its output. */
export function runTs(script: string, args: string[], opts: RunOptions = {}): Promise<ChildResult> {
  return runNode(['--import', 'tsx', path.join(ROOT, script), ...args], opts);
}

type RunOptions = {
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
  /** Sees stdout as it arrives, with the child (to kill it or write to its stdin). */
  onStdout?: (chunk: string, child: ChildProcessWithoutNullStreams) => void;
  /** Leave stdin open (the caller writes to it from onStdout) instead of sending `input` and closing it. */
  keepStdinOpen?: boolean;
};

/** Runs `node …args` in the repository root, collecting its output. */
export function runNode(nodeArgs: string[], opts: RunOptions = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs, {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      opts.onStdout?.(c, child);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (!opts.keepStdinOpen) child.stdin.end(opts.input ?? '');
  });
}

/**
 * Bundles a TypeScript entry point (and the product code it imports) into one ESM file with esbuild,
 * the compiler tsx itself uses. A bundle starts in a fraction of the time tsx needs to load the same
 * modules one by one, which matters for tests that start many processes.
 */
export async function bundleTs(script: string): Promise<{ file: string; remove: () => void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wr-bundle-'));
  const file = path.join(dir, `${path.basename(script, '.ts')}.mjs`);
  await build({
    entryPoints: [path.join(ROOT, script)],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    // CommonJS dependencies (pg, pino) call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __wrCreateRequire } from 'node:module'; const require = __wrCreateRequire(import.meta.url);" },
  });
  return { file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
