import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONDITION_OPERATORS, type Condition, type ConditionOperator } from '@/lib/core/engine/definition';
import { evaluateCondition, readPath } from '@/lib/core/engine/evaluate-condition';

const cmp = (field: string, operator: ConditionOperator, value?: unknown): Condition => ({ field, operator, value });

// JSON values as the engine sees them (contexts come from JSON bodies and jsonb).
const json = fc.jsonValue();
const fieldName = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/);
const path = fc.array(fieldName, { minLength: 1, maxLength: 4 }).map((p) => p.join('.'));
const operator = fc.constantFrom(...CONDITION_OPERATORS);

const condition: fc.Arbitrary<Condition> = fc.letrec<{ cond: Condition }>((tie) => ({
  cond: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ field: path, operator, value: json }),
    fc.record({ and: fc.array(tie('cond'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ or: fc.array(tie('cond'), { minLength: 1, maxLength: 3 }) }),
  ),
})).cond;

describe('readPath', () => {
  it('reads nested objects and array indexes', () => {
    const ctx = { a: { b: [{ c: 1 }, { c: 2 }] }, z: 0 };
    expect(readPath(ctx, 'a.b.1.c')).toBe(2);
    expect(readPath(ctx, 'a.b.0')).toEqual({ c: 1 });
    expect(readPath(ctx, 'z')).toBe(0);
  });

  it('is undefined for absent paths, paths through primitives or null, and inherited properties', () => {
    const ctx = { a: 1, n: null, o: {}, arr: [1] };
    for (const p of ['missing', 'a.b', 'n.x', 'o.x', 'arr.5', 'constructor', 'o.toString', 'o.__proto__', 'o.hasOwnProperty']) {
      expect(readPath(ctx, p)).toBeUndefined();
    }
  });

  it('finds every value it is given at its path (property)', () => {
    fc.assert(
      fc.property(fc.array(fieldName, { minLength: 1, maxLength: 5 }), json, (parts, value) => {
        const ctx = parts.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
        expect(readPath(ctx, parts.join('.'))).toEqual(value);
      }),
    );
  });
});

describe('evaluateCondition', () => {
  it.each<[string, Condition, unknown, boolean]>([
    ['== numbers', cmp('x', '==', 1), { x: 1 }, true],
    ['== deep objects', cmp('x', '==', { a: [1, { b: 2 }] }), { x: { a: [1, { b: 2 }] } }, true],
    ['== null', cmp('x', '==', null), { x: null }, true],
    ['== "1" vs 1', cmp('x', '==', '1'), { x: 1 }, false],
    ['== false vs 0', cmp('x', '==', 0), { x: false }, false],
    ['== null vs missing', cmp('x', '==', null), {}, false],
    ['!= different types', cmp('x', '!=', '1'), { x: 1 }, true],
    ['!= missing field', cmp('x', '!=', 1), {}, false],
    ['> numbers', cmp('x', '>', 1), { x: 2 }, true],
    ['> strings', cmp('x', '>', 'a'), { x: 'b' }, true],
    ['> number vs string', cmp('x', '>', '1'), { x: 2 }, false],
    ['>= equal', cmp('x', '>=', 2), { x: 2 }, true],
    ['< null', cmp('x', '<', 1), { x: null }, false],
    ['<= boolean', cmp('x', '<=', true), { x: false }, false],
    ['> value missing', cmp('x', '>'), { x: 1 }, false],
    ['in list', cmp('x', 'in', [1, 2]), { x: 2 }, true],
    ['in non-list', cmp('x', 'in', 2), { x: 2 }, false],
    ['in list of objects', cmp('x', 'in', [{ a: 1 }]), { x: { a: 1 } }, true],
    ['contains substring', cmp('x', 'contains', 'ell'), { x: 'hello' }, true],
    ['contains number in string', cmp('x', 'contains', 1), { x: 'a1' }, false],
    ['contains array element', cmp('x', 'contains', { a: 1 }), { x: [{ a: 1 }] }, true],
    ['contains on a number', cmp('x', 'contains', 1), { x: 1 }, false],
    ['contains on an object', cmp('x', 'contains', 'a'), { x: { a: 1 } }, false],
    ['exists', cmp('x', 'exists'), { x: 0 }, true],
    ['exists null', cmp('x', 'exists'), { x: null }, false],
    ['exists false when absent', cmp('x', 'exists', false), {}, true],
    ['exists true explicitly', cmp('x', 'exists', true), { x: '' }, true],
    ['and', { and: [cmp('x', '==', 1), cmp('y', '==', 2)] }, { x: 1, y: 2 }, true],
    ['or', { or: [cmp('x', '==', 9), cmp('y', '==', 2)] }, { x: 1, y: 2 }, true],
  ])('%s', (_name, cond, ctx, expected) => {
    expect(evaluateCondition(cond, ctx)).toBe(expected);
  });

  it('never throws and always answers a boolean, whatever the condition and context (property)', () => {
    fc.assert(
      fc.property(condition, json, (cond, ctx) => {
        expect(typeof evaluateCondition(cond, ctx)).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });

  it('a missing field is false for every operator but `exists: false` (property)', () => {
    fc.assert(
      fc.property(path, operator, json, fc.dictionary(fc.stringMatching(/^[A-Z]{1,4}$/), json), (p, op, value, ctx) => {
        // Upper-case keys never collide with the lower-case path.
        const result = evaluateCondition(cmp(p, op, value), ctx);
        expect(result).toBe(op === 'exists' && value === false);
      }),
    );
  });

  it('== holds between a value and its copy; != is its negation for present fields (property)', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        const ctx = { f: a };
        expect(evaluateCondition(cmp('f', '==', structuredClone(a)), ctx)).toBe(true);
        expect(evaluateCondition(cmp('f', '!=', b), ctx)).toBe(!evaluateCondition(cmp('f', '==', b), ctx));
      }),
    );
  });

  it('ordering operators agree with < and > on numbers and on strings, and are false across types (property)', () => {
    const sameType = fc.oneof(fc.tuple(fc.double({ noNaN: true }), fc.double({ noNaN: true })), fc.tuple(fc.string(), fc.string()));
    fc.assert(
      fc.property(sameType, ([x, y]) => {
        const ctx = { f: x };
        expect(evaluateCondition(cmp('f', '>', y), ctx)).toBe(x > y);
        expect(evaluateCondition(cmp('f', '>=', y), ctx)).toBe(x >= y);
        expect(evaluateCondition(cmp('f', '<', y), ctx)).toBe(x < y);
        expect(evaluateCondition(cmp('f', '<=', y), ctx)).toBe(x <= y);
      }),
    );
    const mixed = fc.tuple(json, json).filter(([x, y]) => !((typeof x === 'number' && typeof y === 'number') || (typeof x === 'string' && typeof y === 'string')));
    fc.assert(
      fc.property(mixed, ([x, y]) => {
        for (const op of ['>', '>=', '<', '<='] as const) expect(evaluateCondition(cmp('f', op, y), { f: x })).toBe(false);
      }),
    );
  });

  it('in is membership and contains is substring / element membership (property)', () => {
    fc.assert(
      fc.property(fc.array(json, { maxLength: 5 }), json, (list, x) => {
        const copyIn = [...list.map((v) => structuredClone(v)), structuredClone(x)];
        expect(evaluateCondition(cmp('f', 'in', copyIn), { f: x })).toBe(true);
        expect(evaluateCondition(cmp('f', 'contains', structuredClone(x)), { f: [...list, x] })).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (pre, mid, post) => {
        expect(evaluateCondition(cmp('f', 'contains', mid), { f: pre + mid + post })).toBe(true);
        expect(evaluateCondition(cmp('f', 'contains', mid), { f: pre })).toBe(pre.includes(mid));
      }),
    );
  });

  it('and is every, or is some, over the members (property)', () => {
    fc.assert(
      fc.property(fc.array(condition, { minLength: 1, maxLength: 4 }), json, (members, ctx) => {
        const each = members.map((m) => evaluateCondition(m, ctx));
        expect(evaluateCondition({ and: members }, ctx)).toBe(each.every(Boolean));
        expect(evaluateCondition({ or: members }, ctx)).toBe(each.some(Boolean));
      }),
      { numRuns: 200 },
    );
  });

  it('does not change the context', () => {
    fc.assert(
      fc.property(condition, json, (cond, ctx) => {
        const copy = structuredClone(ctx);
        evaluateCondition(cond, ctx);
        expect(ctx).toEqual(copy);
      }),
      { numRuns: 200 },
    );
  });
});

describe('object equality ignores key order', () => {
  it('treats {a,b} and {b,a} as equal in ==, != and in', () => {
    const ctx = { o: { a: 1, b: { c: [1, 2] } } };
    expect(evaluateCondition({ field: 'o', operator: '==', value: { b: { c: [1, 2] }, a: 1 } }, ctx)).toBe(true);
    expect(evaluateCondition({ field: 'o', operator: '!=', value: { b: { c: [1, 2] }, a: 1 } }, ctx)).toBe(false);
    expect(evaluateCondition({ field: 'o', operator: '==', value: { b: { c: [2, 1] }, a: 1 } }, ctx)).toBe(false);
    expect(evaluateCondition({ field: 'o', operator: 'in', value: [{ b: { c: [1, 2] }, a: 1 }] }, ctx)).toBe(true);
  });
});
