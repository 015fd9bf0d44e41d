import type { Condition } from './definition';

type Json = unknown;

/** Reads a dot path ("order.customer.tier", "items.0.sku") from the context; undefined when absent. */
export function readPath(context: Json, path: string): Json {
  let cur: Json = context;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(cur, part)) return undefined;
    cur = (cur as Record<string, Json>)[part];
  }
  return cur;
}

/** Deep equality on JSON values; object key order does not matter. */
function equal(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => equal(x, b[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && equal((a as Record<string, Json>)[k], (b as Record<string, Json>)[k]));
}

function ordered(a: Json, b: Json): [number, number] | [string, string] | null {
  if (typeof a === 'number' && typeof b === 'number') return [a, b];
  if (typeof a === 'string' && typeof b === 'string') return [a, b];
  return null;
}

/**
 * A missing field makes a comparison false, never a crash; types that cannot be compared
 * ("abc" > 5) are false too.
 */
export function evaluateCondition(cond: Condition, context: Json): boolean {
  if ('and' in cond) return cond.and.every((c) => evaluateCondition(c, context));
  if ('or' in cond) return cond.or.some((c) => evaluateCondition(c, context));
  const actual = readPath(context, cond.field);
  if (cond.operator === 'exists') {
    const present = actual !== undefined && actual !== null;
    return cond.value === false ? !present : present;
  }
  if (actual === undefined) return false;
  const expected = cond.value;
  switch (cond.operator) {
    case '==':
      return equal(actual, expected);
    case '!=':
      return !equal(actual, expected);
    case '>':
    case '>=':
    case '<':
    case '<=': {
      const pair = ordered(actual, expected);
      if (!pair) return false;
      const [x, y] = pair;
      if (cond.operator === '>') return x > y;
      if (cond.operator === '>=') return x >= y;
      if (cond.operator === '<') return x < y;
      return x <= y;
    }
    case 'in':
      return Array.isArray(expected) && expected.some((e) => equal(e, actual));
    case 'contains':
      if (typeof actual === 'string') return typeof expected === 'string' && actual.includes(expected);
      if (Array.isArray(actual)) return actual.some((e) => equal(e, expected));
      return false;
  }
}
