/**
 * Callback keys: a `pause` step's `callback_key` is a template such as `payment:${order_id}`, whose
 * `${dot.path}` placeholders are filled from the execution's context when the step pauses. A
 * resolved key must match KEY_PATTERN; the template is checked when the workflow is created.
 */
import { z } from 'zod';

export const KEY_PATTERN = /^[A-Za-z0-9:_.-]{1,200}$/;
export const KEY_RULE = '1-200 characters of A-Z a-z 0-9 : _ . -';

const PLACEHOLDER = /\$\{([^}]*)\}/g;
const PATH = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const LITERAL = /^[A-Za-z0-9:_.-]*$/;

/** What is wrong with a template, or null. */
export function templateProblem(template: string): string | null {
  const literal = template.replace(PLACEHOLDER, '');
  if (literal.includes('${') || literal.includes('$')) return 'a "${" without its "}", or a stray "$"; placeholders look like ${order.id}';
  if (!LITERAL.test(literal)) return `outside placeholders only ${KEY_RULE} may appear`;
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (!PATH.test(m[1]!)) return `"\${${m[1]}}" is not a dot path into the context (like \${order.id})`;
  }
  if (literal.length === 0 && !template.includes('${')) return 'the key is empty';
  return null;
}

export const ZCallbackKeyTemplate = z
  .string()
  .min(1)
  .max(400)
  .superRefine((v, ctx) => {
    const problem = templateProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: `invalid callback_key template: ${problem}` });
  })
  .meta({ description: 'The key a callback names to resume this pause: literal text and ${dot.path} placeholders from the context, e.g. "payment:${order_id}"' });

function lookup(context: Record<string, unknown>, path: string): unknown {
  let cur: unknown = context;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** The key for this context, or why there is none (a missing or non-scalar value, or a bad result). */
export function resolveCallbackKey(template: string, context: Record<string, unknown>): { key: string } | { error: string } {
  let missing: string | null = null;
  const key = template.replace(PLACEHOLDER, (_m, path: string) => {
    const v = lookup(context, path);
    if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') return String(v);
    missing ??= `\${${path}} is ${v === undefined ? 'missing from the context' : 'not a string, number or boolean'}`;
    return '';
  });
  if (missing) return { error: `callback_key "${template}": ${missing}` };
  if (!KEY_PATTERN.test(key)) return { error: `callback_key "${template}" resolved to ${JSON.stringify(key.slice(0, 220))}, which is not ${KEY_RULE}` };
  return { key };
}
