/**
 * The served OpenAPI document passes the tools an API client's team uses, run from outside the
 * project's code exactly as the README tells a client to: Redocly's recommended lint rules (no error,
 * no warning), and a typed client generated with openapi-typescript, type-checked with tsc and run
 * with openapi-fetch against this server to pause, resume and list.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS } from '@/lib/core/access/permissions';
import { BASE_URL, tokenWith, uid } from '../helpers/env';
import { ROOT, runNode } from '../helpers/processes';

const bin = (pkg: string, file: string) => path.join(ROOT, 'node_modules', pkg, file);

/** A client's program, written against the generated types only (not this project's code). */
const CLIENT_PROGRAM = `
import createClient from 'openapi-fetch';
import type { components, paths } from './api';

type Execution = components['schemas']['Execution'];
type ExecutionsQuery = NonNullable<paths['/api/v1/executions']['get']['parameters']['query']>;

// The generated types are the contract, not \`any\`: these must not compile.
// @ts-expect-error a status the API does not have
const badStatus: Execution['status'] = 'sleeping';
// @ts-expect-error a query parameter the list does not take
const badQuery: ExecutionsQuery = { bogus: 1 };
void badStatus;
void badQuery;

const client = createClient<paths>({ baseUrl: process.env.BASE_URL, headers: { authorization: \`Bearer \${process.env.TOKEN}\` } });

function must<T>(r: { data?: T; error?: unknown; response: Response }, what: string): T {
  if (r.data === undefined) throw new Error(\`\${what}: \${r.response.status} \${JSON.stringify(r.error)}\`);
  return r.data;
}

async function main() {
  const callbackKey = process.env.CALLBACK_KEY!;
  const waitKey = process.env.WAIT_KEY!;
  must(await client.POST('/api/v1/workflows', { body: { key: callbackKey, name: 'Typed client: callback', definition: { steps: [
    { id: 'await-payment', type: 'pause', reason: 'Awaiting payment callback', next: 'record' },
    { id: 'record', type: 'action', action: { type: 'set', values: { recorded: true } } },
  ] } } }), 'create callback workflow');
  must(await client.POST('/api/v1/workflows', { body: { key: waitKey, name: 'Typed client: wait', definition: { steps: [
    { id: 'sleep', type: 'wait', duration: 'PT1H', next: 'done' },
    { id: 'done', type: 'action', action: { type: 'allow' } },
  ] } } }), 'create wait workflow');

  // A callback pause, found in the paused list and resumed with data.
  const started: Execution = must(await client.POST('/api/v1/executions', { body: { workflow_id: callbackKey, trigger_payload: { order: 42 } } }), 'start');
  const paused = must(await client.GET('/api/v1/executions/paused', { params: { query: { workflow_id: callbackKey, limit: 10 } } }), 'list paused');
  const row = paused.executions.find((e) => e.id === started.id);
  const resumed = must(await client.POST('/api/v1/executions/{id}/resume', { params: { path: { id: started.id } }, body: { resume_data: { paid: true } } }), 'resume');
  const again = await client.POST('/api/v1/executions/{id}/resume', { params: { path: { id: started.id } }, body: { resume_data: { paid: true } } });

  // A sleeping execution paused by hand.
  const sleeping = must(await client.POST('/api/v1/executions', { body: { workflow_id: waitKey } }), 'start wait');
  const held = must(await client.POST('/api/v1/executions/{id}/pause', { params: { path: { id: sleeping.id } }, body: { reason: 'hold' } }), 'pause');

  const completed = must(await client.GET('/api/v1/executions', { params: { query: { workflow_id: callbackKey, status: 'completed' } } }), 'list');
  const detail = must(await client.GET('/api/v1/executions/{id}', { params: { path: { id: started.id } } }), 'get');

  console.log(JSON.stringify({
    started: started.status,
    pausedRow: row ? { kind: row.pause_kind, reason: row.paused_reason, total: paused.total } : null,
    resumed: { status: resumed.status, paid: resumed.context.paid, resumeCount: resumed.resume_count },
    again: { status: again.response.status, code: again.error?.error.code ?? null },
    held: { status: held.status, kind: held.pause_kind, reason: held.paused_reason },
    completed: completed.executions.map((e) => e.id),
    events: detail.events.map((e) => e.type),
  }));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
`;

describe('the served OpenAPI document and the tools API clients use', () => {
  let dir: string;
  let documentFile: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wr-openapi-client-'));
    const res = await fetch(`${BASE_URL}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    documentFile = path.join(dir, 'openapi.json');
    fs.writeFileSync(documentFile, await res.text());
  });

  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('passes Redocly’s recommended rules with no error and no warning', async () => {
    const r = await runNode([bin('@redocly/cli', 'bin/cli.js'), 'lint', documentFile, '--config', path.join(ROOT, 'redocly.yaml'), '--format=json'], {
      env: { REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      timeoutMs: 90_000,
    });
    const report = JSON.parse(r.stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string; location: { pointer: string }[] }[] };
    const problems = report.problems.map((p) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  it('generates a typed client (openapi-typescript) that type-checks and pauses, resumes and lists (openapi-fetch)', async () => {
    // What the README tells a client: npx openapi-typescript <url>/api/v1/openapi.json -o api.d.ts
    const generated = await runNode([bin('openapi-typescript', 'bin/cli.js'), `${BASE_URL}/api/v1/openapi.json`, '-o', path.join(dir, 'api.d.ts')], { timeoutMs: 60_000 });
    expect(generated.code, generated.stderr).toBe(0);
    fs.writeFileSync(path.join(dir, 'client.ts'), CLIENT_PROGRAM);
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');

    const tsc = await runNode(
      [
        bin('typescript', 'bin/tsc'),
        '--noEmit',
        '--strict',
        '--noUncheckedIndexedAccess',
        '--target', 'es2022',
        '--module', 'esnext',
        '--moduleResolution', 'bundler',
        '--lib', 'es2023,dom',
        '--types', 'node',
        '--skipLibCheck',
        path.join(dir, 'client.ts'),
      ],
      { timeoutMs: 90_000 },
    );
    expect(tsc.code, `${tsc.stdout}${tsc.stderr}`).toBe(0);

    const token = await tokenWith(PERMISSIONS);
    const run = await runNode(['--import', 'tsx', path.join(dir, 'client.ts')], {
      env: { BASE_URL, TOKEN: token, CALLBACK_KEY: uid('typed-cb'), WAIT_KEY: uid('typed-wait') },
      timeoutMs: 60_000,
    });
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({
      started: 'paused',
      pausedRow: { kind: 'callback', reason: 'Awaiting payment callback', total: 1 },
      resumed: { status: 'completed', paid: true, resumeCount: 1 },
      again: { status: 409, code: 'not_paused' },
      held: { status: 'paused', kind: 'manual', reason: 'hold' },
    });
    expect(out.completed).toHaveLength(1);
    expect(out.events).toEqual(expect.arrayContaining(['paused', 'resumed', 'completed']));
  }, 180_000);
});
