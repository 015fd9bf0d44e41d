import type { ReactNode } from 'react';

/** A JSON Schema (2020-12) node as the OpenAPI document has it. */
export type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
};

export const schemaAnchor = (name: string) => `schema-${name}`;
const refName = (ref: string) => ref.split('/').pop() ?? ref;

function isNull(s: Schema) {
  return s.type === 'null';
}

function Code({ children }: { children: ReactNode }) {
  return <code className="rounded bg-slate-100 px-1 py-0.5 font-mono text-[0.8em] text-slate-800 dark:bg-slate-800 dark:text-slate-200">{children}</code>;
}

function constraints(s: Schema): string[] {
  const out: string[] = [];
  if (s.format) out.push(s.format);
  // zod's int() states the safe-integer range; that is no news to a reader.
  if (s.minimum !== undefined && Math.abs(s.minimum) < Number.MAX_SAFE_INTEGER) out.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined && Math.abs(s.maximum) < Number.MAX_SAFE_INTEGER) out.push(`≤ ${s.maximum}`);
  if (s.minLength !== undefined && s.minLength > 0) out.push(`min length ${s.minLength}`);
  if (s.maxLength !== undefined) out.push(`max length ${s.maxLength}`);
  if (s.minItems !== undefined && s.minItems > 0) out.push(`min ${s.minItems} items`);
  if (s.maxItems !== undefined) out.push(`max ${s.maxItems} items`);
  if (s.pattern && !s.format) out.push(`pattern ${s.pattern}`);
  if (s.default !== undefined) out.push(`default ${JSON.stringify(s.default)}`);
  return out;
}

/** A one-line type: `string`, `Execution`, `array of Event`, `"a" | "b"`, `string | null`. */
export function TypeSummary({ schema }: { schema: Schema }): ReactNode {
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return (
      <a href={`#${schemaAnchor(name)}`} className="font-mono text-indigo-700 hover:underline dark:text-indigo-300">
        {name}
      </a>
    );
  }
  const union = schema.anyOf ?? schema.oneOf;
  if (union) {
    return (
      <>
        {union.map((u, i) => (
          <span key={i}>
            {i > 0 ? <span className="text-slate-600 dark:text-slate-400"> | </span> : null}
            {isNull(u) ? <span className="font-mono">null</span> : <TypeSummary schema={u} />}
          </span>
        ))}
      </>
    );
  }
  if (schema.const !== undefined) return <span className="font-mono">{JSON.stringify(schema.const)}</span>;
  if (schema.enum) return <span className="font-mono">{schema.enum.map((e) => JSON.stringify(e)).join(' | ')}</span>;
  if (schema.type === 'array') {
    return (
      <span>
        <span className="font-mono">array</span> of {schema.items ? <TypeSummary schema={schema.items} /> : <span className="font-mono">any</span>}
      </span>
    );
  }
  if (schema.type === 'object' && !schema.properties) {
    return <span className="font-mono">{schema.additionalProperties && typeof schema.additionalProperties === 'object' && Object.keys(schema.additionalProperties).length ? 'object (map)' : 'object'}</span>;
  }
  if (Array.isArray(schema.type)) return <span className="font-mono">{schema.type.join(' | ')}</span>;
  return <span className="font-mono">{schema.type ?? 'any JSON'}</span>;
}

/** Objects nested in a schema (directly, in a union or as array items), to show their fields too. */
function nestedObjects(s: Schema): Schema[] {
  if (s.properties) return [s];
  const union = s.anyOf ?? s.oneOf;
  if (union) return union.flatMap(nestedObjects);
  if (s.type === 'array' && s.items) return nestedObjects(s.items);
  return [];
}

/** A schema as a field table; nested objects open below their field. */
export function SchemaView({ schema, depth = 0 }: { schema: Schema; depth?: number }) {
  const objects = nestedObjects(schema);
  if (objects.length === 0) {
    return (
      <p className="text-sm">
        <TypeSummary schema={schema} />
        {schema.description ? <span className="text-slate-600 dark:text-slate-400"> — {schema.description}</span> : null}
      </p>
    );
  }
  return (
    <div className="space-y-2">
      {objects.length > 1 ? <p className="text-xs text-slate-600 dark:text-slate-400">One of {objects.length} shapes:</p> : null}
      {objects.map((o, i) => (
        <table key={i} className="w-full table-fixed border-collapse text-left text-sm">
          <thead className="sr-only">
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Type and notes</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(o.properties ?? {}).map(([name, prop]) => {
              const required = (o.required ?? []).includes(name);
              const notes = constraints(prop);
              const inner = depth < 3 && !prop.$ref ? nestedObjects(prop) : [];
              return (
                <tr key={name} className="border-t border-slate-100 align-top dark:border-slate-800">
                  <td className="w-1/3 py-1.5 pr-3">
                    <span className="break-all font-mono text-slate-900 dark:text-slate-100">{name}</span>
                    {required ? (
                      <span className="ml-1 text-xs text-rose-600 dark:text-rose-400" title="required">
                        required
                      </span>
                    ) : null}
                  </td>
                  <td className="py-1.5">
                    <div className="break-words">
                      <TypeSummary schema={prop} />
                      {notes.length ? <span className="ml-2 text-xs text-slate-600 dark:text-slate-400">{notes.join(' · ')}</span> : null}
                    </div>
                    {prop.description ? <p className="text-xs text-slate-600 dark:text-slate-400">{prop.description}</p> : null}
                    {inner.length ? (
                      <details className="mt-1">
                        <summary className="cursor-pointer text-xs text-indigo-700 dark:text-indigo-300">fields</summary>
                        <div className="mt-1 border-l-2 border-slate-200 pl-3 dark:border-slate-700">
                          <SchemaView schema={prop} depth={depth + 1} />
                        </div>
                      </details>
                    ) : null}
                  </td>
                </tr>
              );
            })}
            {o.additionalProperties === false ? null : (
              <tr className="border-t border-slate-100 dark:border-slate-800">
                <td colSpan={2} className="py-1.5 text-xs text-slate-600 dark:text-slate-400">
                  Other fields allowed
                </td>
              </tr>
            )}
          </tbody>
        </table>
      ))}
    </div>
  );
}

export { Code };
