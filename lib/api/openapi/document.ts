import { z } from 'zod';
import { STATUS_BY_CODE } from '../http-errors';
import { documentedRoutes, type DocumentedRoute } from './routes';
import { RESPONSE_COMPONENTS, ZErrorBody, type ComponentName } from './schemas';
import { ZCondition, ZDefinition } from '../../core/engine/definition';
import type { ErrorCode } from '../../core/errors';

type JsonSchema = Record<string, unknown>;
const REF = (name: string) => `#/components/schemas/${name}`;

/** When each error status can happen, and which codes it carries. */
function errorResponses(r: DocumentedRoute): Record<string, { description: string; codes: ErrorCode[] }> {
  const out: Record<string, { description: string; codes: ErrorCode[] }> = {};
  const codesOf = (status: number, among: ErrorCode[]) => among.filter((c) => STATUS_BY_CODE[c] === status);
  const add = (status: number, description: string, codes: ErrorCode[]) => {
    const prev = out[String(status)];
    out[String(status)] = prev ? { description: `${prev.description}; ${description}`, codes: [...new Set([...prev.codes, ...codes])] } : { description, codes };
  };
  if (r.body) {
    add(400, 'The body is not valid JSON', ['invalid_json']);
    add(413, 'The body is larger than 256 KB', ['payload_too_large']);
    add(415, 'The body is not JSON', ['unsupported_media_type']);
  }
  if (r.body || r.query) add(422, 'Invalid input: `details` names each bad field', ['validation_failed']);
  if (r.auth === 'required') {
    add(401, 'No valid credentials', ['unauthorized']);
    add(403, r.permissions.length ? `Missing permission (${r.permissions.join(', ')})` : 'Refused (cross-origin write with a session)', ['forbidden']);
  }
  if (r.path.includes('{id}')) add(404, 'Not found', ['not_found']);
  if (r.method === 'POST') {
    const conflictCodes = codesOf(409, ['conflict', 'not_running', 'not_paused', 'pause_expired', 'not_pending', 'already_decided', 'idempotency_in_progress']);
    add(409, 'The current state does not allow it (the code says why)', conflictCodes);
    if (r.path.startsWith('/api/v1/approvals/')) add(403, 'Self-approval, or the approval needs another role', ['self_approval', 'forbidden']);
  }
  if (r.path.startsWith('/api/v1/decision-links/')) {
    add(404, 'Not a decision link', ['not_found']);
    if (r.method === 'POST') {
      add(403, 'Missing or wrong X-CSRF-Token, or a cross-site request', ['forbidden', 'self_approval']);
      add(410, 'The link is closed: the request is decided or expired, the link used, or the request no longer the recipient’s', ['link_closed']);
    }
  }
  if (r.idempotent) add(422, 'The Idempotency-Key was used for a different request', ['idempotency_key_reused']);
  if (r.database) add(503, 'The database is unavailable; retry (Retry-After)', ['unavailable']);
  return out;
}

/** Components live inside the document: no $schema, and no fragment-only $id (invalid in 2020-12). */
function asComponent(s: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = s;
  return rest;
}

/** Request body component names; routes sharing one schema share one name. */
const BODY_NAMES: Record<string, string> = { approveApproval: 'DecisionRequest', rejectApproval: 'DecisionRequest' };

/** JSON Schemas of the named components and the request bodies, with $refs between them. */
function componentSchemas(routes: DocumentedRoute[]): { schemas: Record<string, JsonSchema>; bodyNames: Map<DocumentedRoute, string> } {
  const options = { target: 'draft-2020-12' as const, unrepresentable: 'any' as const, uri: REF, reused: 'inline' as const };
  const output = z.registry<{ id: string }>();
  for (const [name, schema] of Object.entries(RESPONSE_COMPONENTS)) output.add(schema, { id: name });
  const input = z.registry<{ id: string }>();
  input.add(ZCondition, { id: 'Condition' });
  input.add(ZDefinition, { id: 'WorkflowDefinition' });
  const bodyNames = new Map<DocumentedRoute, string>();
  const byBody = new Map<z.ZodType, string>();
  for (const r of routes) {
    if (!r.body) continue;
    let name = byBody.get(r.body);
    if (!name) {
      name = BODY_NAMES[r.operationId] ?? `${r.operationId.charAt(0).toUpperCase()}${r.operationId.slice(1)}Request`;
      byBody.set(r.body, name);
      input.add(r.body, { id: name });
    }
    bodyNames.set(r, name);
  }
  const schemas: Record<string, JsonSchema> = {};
  for (const [io, registry] of [['input', input], ['output', output]] as const) {
    const generated = z.toJSONSchema(registry, { ...options, io }).schemas as Record<string, JsonSchema>;
    for (const [name, schema] of Object.entries(generated)) {
      if (name === '__shared') throw new Error('a schema is used in several places without an id: register it in lib/api/openapi');
      schemas[name] = asComponent(schema);
    }
  }
  return { schemas, bodyNames };
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

function operation(r: DocumentedRoute, bodyName: string | undefined): JsonSchema {
  const parameters: JsonSchema[] = [];
  for (const m of r.path.matchAll(/\{(\w+)\}/g)) {
    parameters.push({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
      description: r.path.startsWith('/api/v1/workflows/') ? 'The workflow id or key' : 'The id (a UUID)',
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

  const responses: Record<string, JsonSchema> = {};
  const success = r.success;
  responses[String(r.successStatus)] =
    typeof success === 'string'
      ? { description: r.successStatus === 201 ? 'Created' : 'OK', content: { 'application/json': { schema: { $ref: REF(success) } } } }
      : { description: success.description, content: { [success.contentType]: { schema: { type: success.schema } } } };
  for (const [status, o] of Object.entries(r.otherResponses ?? {})) {
    responses[status] = { description: o.description, content: { 'application/json': { schema: { $ref: REF(o.schema) } } } };
  }
  for (const [status, e] of Object.entries(errorResponses(r))) {
    if (responses[status]) continue;
    responses[status] = {
      description: `${e.description} (${e.codes.join(', ')})`,
      content: { 'application/json': { schema: { $ref: REF('Error') } } },
    };
  }

  const security =
    r.auth === 'none' ? [] : [{ bearerAuth: [] }, { sessionCookie: [] }, ...(r.metricsToken ? [{ metricsToken: [] }] : [])];
  const permissionNote = r.auth === 'none' ? 'No authentication.' : r.permissions.length ? `Needs ${r.permissions.map((p) => `\`${p}\``).join(', ')}.` : 'Any signed-in caller.';
  return {
    operationId: r.operationId,
    summary: r.summary,
    description: [r.description, permissionNote, r.idempotent ? 'Honours Idempotency-Key.' : null].filter(Boolean).join('\n\n'),
    tags: [r.tag],
    security,
    'x-permissions': [...r.permissions],
    ...(r.idempotent ? { 'x-idempotent': true } : {}),
    parameters,
    ...(bodyName
      ? {
          requestBody: {
            required: !r.bodyOptional,
            content: { 'application/json': { schema: { $ref: REF(bodyName) } } },
          },
        }
      : {}),
    responses,
  };
}

export type OpenApiDocument = {
  openapi: '3.1.0';
  info: Record<string, unknown>;
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, JsonSchema>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, JsonSchema> };
};

function build(): OpenApiDocument {
  const routes = documentedRoutes();
  const { schemas, bodyNames } = componentSchemas(routes);
  const paths: OpenApiDocument['paths'] = {};
  for (const r of routes) {
    paths[r.path] ??= {};
    paths[r.path]![r.method.toLowerCase()] = operation(r, bodyNames.get(r));
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Workflow Resumer API',
      version: '1',
      description:
        'Pause workflow executions and resume them later with their full state, by API or after approvals. Every error has the body `{"error": {"code", "message"}}` (plus `details` on 422).',
    },
    tags: [
      { name: 'Workflows', description: 'Workflow definitions' },
      { name: 'Executions', description: 'Start, inspect, pause, resume and cancel executions' },
      { name: 'Approvals', description: 'Approval requests and decisions' },
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

let cached: OpenApiDocument | undefined;

/** The OpenAPI 3.1 document, generated from the route table's zod schemas and the response schemas. */
export function openApiDocument(): OpenApiDocument {
  cached ??= build();
  return cached;
}

/** The zod schema a response of this operation and status must match (what the document says). */
export function responseSchema(method: string, path: string, status: number): z.ZodType | undefined {
  const r = documentedRoutes().find((x) => x.method === method.toUpperCase() && x.path === path);
  if (!r) return undefined;
  const component = (name: ComponentName): z.ZodType => RESPONSE_COMPONENTS[name];
  if (status === r.successStatus) return typeof r.success === 'string' ? component(r.success) : undefined;
  const other = r.otherResponses?.[status];
  if (other) return component(other.schema);
  return errorResponses(r)[String(status)] ? ZErrorBody : undefined;
}
