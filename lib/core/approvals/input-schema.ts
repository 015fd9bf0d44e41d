/**
 * Typed input (issue 13): `input_schema` on approval and pause steps is a JSON Schema that a
 * decision's `data` (and a pause's `resume_data`) must match.
 *
 * Why ajv: it is the well-kept, standard JSON Schema validator for JavaScript (draft-07 and later,
 * used by most of the ecosystem), it compiles each schema once into a fast validator function, and
 * its strict mode refuses unknown keywords — so a typo in a schema is a 422 at workflow creation
 * instead of a check that silently never runs. ajv-formats adds the standard `format`s (date,
 * email, uri, …).
 */
import { createHash } from 'node:crypto';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { AppError } from '../errors';

export type JsonSchema = Record<string, unknown>;

/** The fields of a decision's resume data: a step's `data` fields may not take these names. */
export const DECISION_KEYS = ['approved', 'approval_id', 'decided_by', 'approvers', 'comment', 'decided_at', 'payload_version'] as const;

/** A schema larger than this (as JSON) is refused at creation: it is a form, not a document. */
export const MAX_INPUT_SCHEMA_BYTES = 32 * 1024;

const ajv = new Ajv({ strict: true, allErrors: false, allowUnionTypes: true });
addFormats(ajv);

// Compiled validators by the schema's text: every request of a step shares one. Bounded: the
// oldest is dropped past the limit (schemas come from stored workflow definitions, a small set).
const compiled = new Map<string, ValidateFunction>();
const MAX_COMPILED = 500;

function validatorFor(schema: JsonSchema): ValidateFunction {
  const key = createHash('sha256').update(JSON.stringify(schema)).digest('hex');
  let v = compiled.get(key);
  if (!v) {
    v = ajv.compile(schema);
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, v);
  }
  return v;
}

function pointerToPath(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * Problems with a schema itself, each with the path inside the schema (empty: the whole schema).
 * Checked at workflow creation: the meta-schema, ajv's strict mode (unknown keywords, unknown
 * formats), and that it describes a JSON object (data and resume_data are objects).
 */
export function schemaProblems(schema: unknown): { path: string[]; message: string }[] {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return [{ path: [], message: 'must be a JSON Schema object' }];
  if (Buffer.byteLength(JSON.stringify(schema)) > MAX_INPUT_SCHEMA_BYTES) return [{ path: [], message: 'is larger than 32 KB' }];
  if ((schema as JsonSchema).type !== 'object') return [{ path: ['type'], message: 'must be "object": data and resume_data are JSON objects' }];
  if (!ajv.validateSchema(schema)) {
    return (ajv.errors ?? []).map((e) => ({ path: pointerToPath(e.instancePath), message: `${e.message ?? 'invalid'}` }));
  }
  try {
    validatorFor(schema as JsonSchema);
  } catch (e) {
    return [{ path: [], message: e instanceof Error ? e.message : 'cannot be compiled' }];
  }
  return [];
}

/** "data.amount: must be >= 1" — the failing path in the value, then what is wrong. */
function describe(where: string, e: ErrorObject): string {
  const path = [where, ...pointerToPath(e.instancePath)];
  if (e.keyword === 'required') return `${[...path, String(e.params.missingProperty)].join('.')}: is required`;
  if (e.keyword === 'additionalProperties') return `${[...path, String(e.params.additionalProperty)].join('.')}: is not allowed by the input schema`;
  if (e.keyword === 'enum') return `${path.join('.')}: must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  return `${path.join('.')}: ${e.message ?? 'is invalid'}`;
}

/**
 * Checks `value` against `schema`; throws 422 validation_failed naming the failing path
 * (`where` is the value's name in the request: "data", "resume_data", "edits").
 */
export function assertMatchesSchema(schema: JsonSchema, value: unknown, where: string): void {
  const validate = validatorFor(schema);
  if (validate(value)) return;
  const first = validate.errors![0]!;
  const message = describe(where, first);
  throw new AppError('validation_failed', message, [{ path: message.split(':')[0]!, message: message.slice(message.indexOf(':') + 2) }]);
}

/**
 * The schema the edits of an approve-with-edits must match: only the editable fields, each as the
 * input schema describes it (any JSON value when it does not), none required.
 */
export function editsSchema(inputSchema: JsonSchema | null, editable: readonly string[]): JsonSchema {
  const props = (inputSchema?.properties ?? {}) as Record<string, unknown>;
  return {
    type: 'object',
    properties: Object.fromEntries(editable.map((f) => [f, props[f] ?? {}])),
    additionalProperties: false,
  };
}
