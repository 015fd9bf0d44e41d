'use client';
/**
 * A form rendered from a step's `input_schema` (issue 13): a small renderer of our own for a subset
 * of JSON Schema, so no form library (and no code generation: the console's CSP has no
 * unsafe-eval, which ajv's compiled validators need) reaches the browser. The server validates
 * with ajv in any case and its 422 message is shown inline at the field it names.
 *
 * Supported keywords (README, "Typed input"): at the root `type: "object"` with `properties`,
 * `required`; per field `type` string | number | integer | boolean | object (nested, one level of
 * fieldset per object), `enum` (a select), `default`, `title` (the label), `description` (help
 * text), `minimum`/`maximum`, `minLength`/`maxLength`, `pattern`. Anything else is left to the
 * server's check.
 */
import { useId } from 'react';
import { cx, inputClass } from './ui';

export type JsonSchemaLike = {
  type?: string | string[];
  properties?: Record<string, JsonSchemaLike>;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  title?: string;
  description?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
};

export type FormValue = Record<string, unknown>;
/** Field path ("cost_center", "address.city") → message. */
export type FormErrors = Record<string, string>;

function typeOf(s: JsonSchemaLike): string {
  const t = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  return t ?? (s.enum ? typeof s.enum[0] : 'string');
}

/** The schema's defaults, as the form starts. */
export function schemaDefaults(schema: JsonSchemaLike | null | undefined): FormValue {
  const out: FormValue = {};
  for (const [k, s] of Object.entries(schema?.properties ?? {})) {
    if (s.default !== undefined) out[k] = s.default;
    else if (typeOf(s) === 'object' && s.properties) out[k] = schemaDefaults(s);
  }
  return out;
}

function checkField(s: JsonSchemaLike, v: unknown, required: boolean): string | null {
  if (v === undefined || v === '') return required ? 'is required' : null;
  const t = typeOf(s);
  if (s.enum && !s.enum.some((e) => e === v)) return `must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  if (t === 'number' || t === 'integer') {
    if (typeof v !== 'number' || Number.isNaN(v)) return 'must be a number';
    if (t === 'integer' && !Number.isInteger(v)) return 'must be a whole number';
    if (s.minimum !== undefined && v < s.minimum) return `must be >= ${s.minimum}`;
    if (s.maximum !== undefined && v > s.maximum) return `must be <= ${s.maximum}`;
  }
  if (t === 'string' && typeof v === 'string') {
    if (s.minLength !== undefined && v.length < s.minLength) return `must have at least ${s.minLength} characters`;
    if (s.maxLength !== undefined && v.length > s.maxLength) return `must have at most ${s.maxLength} characters`;
    if (s.pattern !== undefined) {
      try {
        if (!new RegExp(s.pattern, 'u').test(v)) return `must match pattern "${s.pattern}"`;
      } catch {
        // a pattern the browser cannot read: the server decides
      }
    }
  }
  return null;
}

/** The supported keywords checked in the browser; the server's ajv has the last word. */
export function validateForm(schema: JsonSchemaLike | null | undefined, value: FormValue, prefix = '', only?: readonly string[], exclude: readonly string[] = []): FormErrors {
  const errors: FormErrors = {};
  if (!schema?.properties) return errors;
  for (const [k, s] of Object.entries(schema.properties)) {
    if ((only && !only.includes(k)) || exclude.includes(k)) continue;
    const path = prefix ? `${prefix}.${k}` : k;
    if (typeOf(s) === 'object' && s.properties) {
      Object.assign(errors, validateForm(s, (value[k] as FormValue | undefined) ?? {}, path));
      continue;
    }
    const msg = checkField(s, value[k], !only && (schema.required ?? []).includes(k));
    if (msg) errors[path] = msg;
  }
  return errors;
}

/** A value without the fields left empty (an empty optional field is not sent). */
export function compactValue(value: FormValue): FormValue {
  const out: FormValue = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || v === '') continue;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const inner = compactValue(v as FormValue);
      if (Object.keys(inner).length) out[k] = inner;
    } else out[k] = v;
  }
  return out;
}

/**
 * "data.cost_center: is required" (the server's 422) → { cost_center: "is required" }, relative to
 * `root` ("data", "edits", "resume_data"); null when the message names no field of that root.
 */
export function serverFieldError(message: string, root: string): FormErrors | null {
  const m = /^([A-Za-z0-9_.-]+): (.+)$/.exec(message);
  if (!m || !(m[1] === root || m[1]!.startsWith(`${root}.`))) return null;
  const path = m[1]!.slice(root.length + 1);
  return { [path || '']: m[2]! };
}

function FieldInput({
  name,
  path,
  schema,
  required,
  value,
  error,
  onChange,
  idBase,
}: {
  name: string;
  path: string;
  schema: JsonSchemaLike;
  required: boolean;
  value: unknown;
  error: string | undefined;
  onChange: (v: unknown) => void;
  idBase: string;
}) {
  const id = `${idBase}-${path.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const helpId = `${id}-help`;
  const errId = `${id}-err`;
  const t = typeOf(schema);
  const describedBy = [schema.description ? helpId : null, error ? errId : null].filter(Boolean).join(' ') || undefined;
  const label = schema.title ?? name;
  const common = { id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy, 'aria-required': required || undefined, 'data-field': path } as const;
  let control;
  if (schema.enum) {
    const idx = schema.enum.findIndex((e) => e === value);
    control = (
      <select {...common} className={cx(inputClass, 'mt-1')} value={idx < 0 ? '' : String(idx)} onChange={(e) => onChange(e.target.value === '' ? undefined : schema.enum![Number(e.target.value)])}>
        <option value="">{required ? 'Choose…' : '(none)'}</option>
        {schema.enum.map((e, i) => (
          <option key={i} value={String(i)}>
            {String(e)}
          </option>
        ))}
      </select>
    );
  } else if (t === 'boolean') {
    control = <input {...common} type="checkbox" className="mt-1 size-4" checked={value === true} onChange={(e) => onChange(e.target.checked)} />;
  } else if (t === 'number' || t === 'integer') {
    control = (
      <input
        {...common}
        type="number"
        inputMode={t === 'integer' ? 'numeric' : 'decimal'}
        step={t === 'integer' ? 1 : 'any'}
        min={schema.minimum}
        max={schema.maximum}
        className={cx(inputClass, 'mt-1')}
        value={typeof value === 'number' ? String(value) : ''}
        onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))}
      />
    );
  } else {
    control = (
      <input
        {...common}
        type="text"
        maxLength={schema.maxLength}
        className={cx(inputClass, 'mt-1')}
        value={typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value)}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  return (
    <div className={t === 'boolean' ? 'flex flex-wrap items-start gap-x-2' : undefined}>
      <label htmlFor={id} className="block text-sm font-medium text-slate-700 dark:text-slate-300">
        {label}
        {required ? (
          <span aria-hidden="true" className="text-rose-700 dark:text-rose-300">
            {' '}
            *
          </span>
        ) : null}
      </label>
      {control}
      {schema.description ? (
        <p id={helpId} className="mt-0.5 w-full text-xs text-slate-600 dark:text-slate-400">
          {schema.description}
        </p>
      ) : null}
      {error ? (
        <p id={errId} className="mt-0.5 w-full text-xs font-medium text-rose-700 dark:text-rose-300" data-testid="field-error">
          {label} {error}
        </p>
      ) : null}
    </div>
  );
}

/** The fields of an object schema (or just `only` of them), each labelled, described and checked. */
export function SchemaForm({
  schema,
  value,
  onChange,
  errors,
  only,
  exclude = [],
  prefix = '',
  legend,
  testId,
}: {
  schema: JsonSchemaLike;
  value: FormValue;
  onChange: (v: FormValue) => void;
  errors: FormErrors;
  /** Render just these properties (approve with edits: the editable fields), none required. */
  only?: readonly string[];
  /** Leave these properties out (the decision form: the editable payload fields are changed by edits, not data). */
  exclude?: readonly string[];
  prefix?: string;
  legend?: string;
  testId?: string;
}) {
  const idBase = useId();
  const props = Object.entries(schema.properties ?? {}).filter(([k]) => (!only || only.includes(k)) && !exclude.includes(k));
  const extra = only ? only.filter((k) => !schema.properties?.[k]) : [];
  return (
    <fieldset className="space-y-3" data-testid={testId}>
      {legend ? <legend className="mb-1 text-sm font-semibold">{legend}</legend> : null}
      {props.map(([k, s]) => {
        const path = prefix ? `${prefix}.${k}` : k;
        if (typeOf(s) === 'object' && s.properties) {
          return (
            <div key={k} className="rounded-md border border-slate-200 p-3 dark:border-slate-700">
              <SchemaForm
                schema={s}
                value={(value[k] as FormValue | undefined) ?? {}}
                onChange={(v) => onChange({ ...value, [k]: v })}
                errors={errors}
                prefix={path}
                legend={s.title ?? k}
              />
            </div>
          );
        }
        return (
          <FieldInput
            key={k}
            name={k}
            path={path}
            schema={s}
            required={!only && (schema.required ?? []).includes(k)}
            value={value[k]}
            error={errors[path]}
            onChange={(v) => onChange({ ...value, [k]: v })}
            idBase={idBase}
          />
        );
      })}
      {extra.map((k) => (
        <FieldInput key={k} name={k} path={k} schema={{}} required={false} value={value[k]} error={errors[k]} onChange={(v) => onChange({ ...value, [k]: v })} idBase={idBase} />
      ))}
      {errors[''] ? (
        <p role="alert" className="text-sm font-medium text-rose-700 dark:text-rose-300" data-testid="form-error">
          {errors['']}
        </p>
      ) : null}
    </fieldset>
  );
}
