/**
 * The OpenAPI 3.1 document, generated from the route table (lib/api/route-table.ts) and the zod
 * schemas it names: operations, parameters, request bodies, every status each route can answer, and
 * the components. Nothing here is written per route.
 */
import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { ZCondition, ZDefinition } from '../../core/engine/definition';
import { ERROR_MEANINGS, ZErrorBody, type ErrorCode } from '../../core/errors';
import { env } from '../../env';
import { STATUS_BY_CODE } from '../http-errors';
import { ROUTE_ENTRIES, type RawResponse, type RouteName, type RouteSpec } from '../route-table';
import { COMPONENTS } from './schemas';

type JsonSchema = Record<string, unknown>;
const REF = (name: string) => `#/components/schemas/${name}`;

/** The license the document states: the LICENSE file at the root of the repository. */
const LICENSE = { name: 'MIT', identifier: 'MIT' };

/** Every error code a route can answer: those the wrapper adds from its entry, plus its own `errors`. */
export function errorCodes(r: RouteSpec): ErrorCode[] {
  const codes: ErrorCode[] = ['validation_failed']; // a bad query string (every route refuses unknown parameters)
  if (r.auth !== 'public') {
    codes.push('unauthorized');
    if (r.permissions.length > 0 || r.method !== 'GET') codes.push('forbidden');
  }
  if (r.path.includes('{id}')) codes.push('not_found');
  if (r.body) codes.push('invalid_json', 'payload_too_large', 'unsupported_media_type');
  if (r.idempotent) codes.push('idempotency_in_progress', 'idempotency_key_reused');
  if (r.database !== false) codes.push('unavailable');
  codes.push(...(r.errors ?? []), 'internal');
  return [...new Set(codes)];
}

/** The error statuses of a route, each with the codes it carries. */
function errorStatuses(r: RouteSpec): Map<number, ErrorCode[]> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodes(r)) {
    const status = STATUS_BY_CODE[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return new Map([...byStatus].sort(([a], [b]) => a - b));
}

/** Components live inside the document: no $schema, and no fragment-only $id (invalid in 2020-12). */
function asComponent(s: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = s;
  return rest;
}

const componentName = new Map<z.ZodType, string>(Object.entries(COMPONENTS).map(([name, schema]) => [schema, name]));

function nameOf(schema: z.ZodType, where: string): string {
  const name = componentName.get(schema);
  if (!name) throw new Error(`${where}: its schema is not a named component; add it to COMPONENTS in lib/api/openapi/schemas.ts`);
  return name;
}

function isRaw(response: RouteSpec['response']): response is RawResponse {
  return 'contentType' in response;
}

/**
 * JSON Schemas of the named components, with $refs between them, and of each route's request body.
 * Request bodies are written inline in their operation rather than as components: generators such as
 * openapi-typescript treat a component's `default` as "always present", which is true of a response
 * but would make a defaulted body field (`trigger_payload`) required in a client's request type.
 */
function generateSchemas(): { schemas: Record<string, JsonSchema>; bodies: Map<RouteName, JsonSchema> } {
  const options = { target: 'draft-2020-12' as const, unrepresentable: 'any' as const, uri: REF, reused: 'inline' as const };
  const output = z.registry<{ id: string }>();
  for (const [name, schema] of Object.entries(COMPONENTS)) output.add(schema, { id: name });
  const input = z.registry<{ id: string }>();
  input.add(ZCondition, { id: 'Condition' });
  input.add(ZDefinition, { id: 'WorkflowDefinition' });
  const bodyIds = new Map<z.ZodType, string>();
  for (const [operationId, r] of ROUTE_ENTRIES) {
    if (r.body && !bodyIds.has(r.body)) {
      bodyIds.set(r.body, `${operationId}Body`);
      input.add(r.body, { id: `${operationId}Body` });
    }
  }
  const schemas: Record<string, JsonSchema> = {};
  for (const [io, registry] of [['input', input], ['output', output]] as const) {
    const generated = z.toJSONSchema(registry, { ...options, io }).schemas as Record<string, JsonSchema>;
    for (const [name, schema] of Object.entries(generated)) {
      if (name === '__shared') throw new Error('a schema is used in several places without an id: register it in lib/api/openapi/schemas.ts');
      schemas[name] = asComponent(schema);
    }
  }
  const bodies = new Map<RouteName, JsonSchema>();
  for (const [operationId, r] of ROUTE_ENTRIES) if (r.body) bodies.set(operationId, schemas[bodyIds.get(r.body)!]!);
  for (const id of bodyIds.values()) delete schemas[id];
  return { schemas, bodies };
}

function queryParameters(query: z.ZodType): JsonSchema[] {
  const json = z.toJSONSchema(query, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: (json.required ?? []).includes(name),
    schema,
  }));
}

function tagOf(path: string): string {
  const seg = path.split('/')[3] ?? '';
  return ({ workflows: 'Workflows', executions: 'Executions', approvals: 'Approvals', callbacks: 'Callbacks', me: 'Account' } as Record<string, string>)[seg] ?? 'Operations';
}

const json = (schema: JsonSchema) => ({ 'application/json': { schema } });

function operation(operationId: RouteName, r: RouteSpec, body: JsonSchema | undefined): JsonSchema {
  const parameters: JsonSchema[] = [];
  for (const m of r.path.matchAll(/\{(\w+)\}/g)) {
    parameters.push({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
      description: m[1] === 'key' ? 'The callback key: 1-200 characters of A-Z a-z 0-9 : _ . -' : r.path.startsWith('/api/v1/workflows/') ? 'The workflow id or key' : 'The id (a UUID)',
    });
  }
  if (r.query) parameters.push(...queryParameters(r.query));
  if (r.idempotent) {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      schema: { type: 'string', maxLength: 200 },
      description: 'A retry with the same key and body returns the first successful response (header idempotent-replayed: true)',
    });
  }
  parameters.push({
    name: 'X-Request-Id',
    in: 'header',
    required: false,
    schema: { type: 'string', maxLength: 100 },
    description: 'Echoed in the x-request-id response header and on every log line of the request (one is made up when absent)',
  });

  const status = r.successStatus ?? 200;
  const responses: Record<string, JsonSchema> = {};
  responses[String(status)] = isRaw(r.response)
    ? { description: r.response.description, content: { [r.response.contentType]: { schema: { type: /json/.test(r.response.contentType) ? 'object' : 'string' } } } }
    : { description: status === 201 ? 'Created' : 'OK', content: json({ $ref: REF(nameOf(r.response, operationId)) }) };
  for (const [other, o] of Object.entries(r.otherResponses ?? {})) {
    responses[other] = { description: o.description, content: json({ $ref: REF(nameOf(o.schema, operationId)) }) };
  }
  for (const [errorStatus, codes] of errorStatuses(r)) {
    if (responses[errorStatus]) continue;
    responses[errorStatus] = {
      description: `${STATUS_CODES[errorStatus] ?? 'Error'}: ${codes.map((c) => `\`${c}\` ${ERROR_MEANINGS[c]}`).join('; ')}`,
      content: json({ $ref: REF('Error') }),
    };
  }

  const security =
    r.auth === 'public' ? [] : [{ bearerAuth: [] }, { sessionCookie: [] }, ...(r.auth === 'metrics' ? [{ metricsToken: [] }] : [])];
  const permissionNote =
    r.auth === 'public' ? 'No authentication.' : r.permissions.length ? `Needs ${r.permissions.map((p) => `\`${p}\``).join(', ')}.` : 'Any signed-in caller.';
  return {
    operationId,
    summary: r.summary,
    description: [r.description, permissionNote, r.idempotent ? 'Honours Idempotency-Key.' : null].filter(Boolean).join('\n\n'),
    tags: [tagOf(r.path)],
    security,
    'x-permissions': [...r.permissions],
    ...(r.idempotent ? { 'x-idempotent': true } : {}),
    parameters,
    ...(body ? { requestBody: { required: !r.bodyOptional, content: json(body) } } : {}),
    responses,
  };
}

export type OpenApiDocument = {
  openapi: '3.1.0';
  info: Record<string, unknown>;
  servers: { url: string; description: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, JsonSchema>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, JsonSchema> };
};

function build(): Omit<OpenApiDocument, 'servers'> {
  const { schemas, bodies } = generateSchemas();
  const paths: OpenApiDocument['paths'] = {};
  for (const [operationId, r] of ROUTE_ENTRIES) {
    paths[r.path] ??= {};
    paths[r.path]![r.method.toLowerCase()] = operation(operationId, r, bodies.get(operationId));
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Workflow Resumer API',
      version: '1',
      description:
        'Pause workflow executions and resume them later with their full state, by API or after approvals. Every error has the body `{"error": {"code", "message"}}` (plus `details` on 422).',
      license: LICENSE,
    },
    tags: [
      { name: 'Workflows', description: 'Workflow definitions' },
      { name: 'Executions', description: 'Start, inspect, pause, resume and cancel executions' },
      { name: 'Approvals', description: 'Approval requests and decisions' },
      { name: 'Callbacks', description: 'Resume pauses by key (a pause step’s callback_key), held callbacks' },
      { name: 'Account', description: 'The caller' },
      { name: 'Operations', description: 'Health, readiness, metrics and this document' },
    ],
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token: `npm run cli -- token create --name N --permissions a,b`' },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'next-auth.session-token', description: 'The console’s session (writes must be same-origin)' },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'The METRICS_TOKEN environment variable (metrics only)' },
      },
    },
  };
}

let cached: Omit<OpenApiDocument, 'servers'> | undefined;

/**
 * Where clients reach the API: PUBLIC_URL, else NEXTAUTH_URL (the console's public URL), else the
 * origin the request came to, else this process's own port.
 */
export function publicBaseUrl(requestOrigin?: string): string {
  const { PUBLIC_URL, NEXTAUTH_URL, PORT } = env();
  return (PUBLIC_URL ?? NEXTAUTH_URL ?? requestOrigin ?? `http://localhost:${PORT}`).replace(/\/+$/, '');
}

/** The OpenAPI 3.1 document, with `servers` for the request's public base URL. */
export function openApiDocument(requestOrigin?: string): OpenApiDocument {
  cached ??= build();
  const { openapi, info, ...rest } = cached;
  return { openapi, info, servers: [{ url: publicBaseUrl(requestOrigin), description: 'This deployment' }], ...rest };
}

/**
 * The zod schema a response of this operation and status must match (what the document says); an
 * error body must also carry one of the codes documented for its status.
 */
export function responseSchema(method: string, path: string, status: number): z.ZodType | undefined {
  const r = ROUTE_ENTRIES.map(([, spec]) => spec).find((x) => x.method === method.toUpperCase() && x.path === path);
  if (!r) return undefined;
  if (status === (r.successStatus ?? 200)) return isRaw(r.response) ? undefined : r.response;
  const other = r.otherResponses?.[status];
  if (other) return other.schema;
  const codes = errorStatuses(r).get(status);
  return codes ? ZErrorBody.refine((b) => codes.includes(b.error.code), { message: `the code is not one documented for ${status}: ${codes.join(', ')}` }) : undefined;
}
