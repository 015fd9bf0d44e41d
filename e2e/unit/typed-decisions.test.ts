import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffEdits } from '@/lib/core/approvals/approval-edits';
import { assertMatchesSchema, editsSchema, schemaProblems } from '@/lib/core/approvals/input-schema';
import { canonicalJson, currentVotes, payloadHash } from '@/lib/core/approvals/payload-version';
import { serverFieldError, validateForm } from '@/components/schema-form';

describe('payload hash', () => {
  it('is the sha256 of canonical JSON: keys sorted at every level, whatever order they came in', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
    expect(payloadHash({ amount: 1200, note: '' })).toBe(payloadHash({ note: '', amount: 1200 }));
    expect(payloadHash({ amount: 1200 })).not.toBe(payloadHash({ amount: 900 }));
    expect(payloadHash({})).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('canonical JSON parses back to the same value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(JSON.parse(canonicalJson(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
  });

  it('counts only votes on the current version', () => {
    const votes = [{ payloadVersion: 1, actor: 'a' }, { payloadVersion: 2, actor: 'b' }];
    expect(currentVotes(votes, { payloadVersion: 2 }).map((v) => v.actor)).toEqual(['b']);
  });
});

describe('input schema', () => {
  it('names the path of a problem in the schema', () => {
    expect(schemaProblems({ type: 'object', properties: { n: { type: 'integer', minimum: 'one' } } })).toEqual([{ path: ['properties', 'n', 'minimum'], message: 'must be number' }]);
    expect(schemaProblems({ type: 'array' })[0]!.path).toEqual(['type']);
    expect(schemaProblems({ type: 'object', properties: { n: { type: 'string', format: 'no-such-format' } } })[0]!.message).toMatch(/unknown format/);
    expect(schemaProblems({ type: 'object', properties: { n: { type: 'string', enum: ['a'] } }, required: ['n'] })).toEqual([]);
  });

  it('refuses a value with 422 naming the failing path', () => {
    const schema = { type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'integer', maximum: 3 } } } } };
    expect(() => assertMatchesSchema(schema, { a: { b: 4 } }, 'data')).toThrow('data.a.b: must be <= 3');
    expect(() => assertMatchesSchema(schema, { a: { b: 2 } }, 'data')).not.toThrow();
  });

  it('edits: only the editable fields, typed by the schema, none required', () => {
    const s = editsSchema({ type: 'object', properties: { amount: { type: 'integer', minimum: 1 } }, required: ['amount'] }, ['amount', 'note']);
    expect(() => assertMatchesSchema(s, {}, 'edits')).not.toThrow();
    expect(() => assertMatchesSchema(s, { note: 'any JSON' }, 'edits')).not.toThrow();
    expect(() => assertMatchesSchema(s, { amount: 0 }, 'edits')).toThrow('edits.amount: must be >= 1');
    expect(() => assertMatchesSchema(s, { other: 1 }, 'edits')).toThrow('edits.other: is not allowed by the input schema');
    expect(diffEdits({ amount: 1200, note: '' }, { amount: 900, note: '' })).toEqual([{ field: 'amount', old: 1200, new: 900 }]);
  });
});

describe('the console’s form check (the supported subset)', () => {
  const schema = {
    type: 'object',
    properties: {
      cc: { type: 'string', enum: ['ops', 'sales'] },
      n: { type: 'integer', minimum: 1, maximum: 10 },
      s: { type: 'string', minLength: 2, maxLength: 4, pattern: '^[a-z]+$' },
      addr: { type: 'object', properties: { city: { type: 'string', minLength: 1 } }, required: ['city'] },
    },
    required: ['cc', 'n'],
  };
  it('gives a message per field, like the server', () => {
    expect(validateForm(schema, {})).toEqual({ cc: 'is required', n: 'is required', 'addr.city': 'is required' });
    expect(validateForm(schema, { cc: 'hr', n: 1.5, s: 'ABC', addr: { city: 'Oslo' } })).toEqual({
      cc: 'must be one of "ops", "sales"',
      n: 'must be a whole number',
      s: 'must match pattern "^[a-z]+$"',
    });
    expect(validateForm(schema, { cc: 'ops', n: 11, s: 'abcde', addr: { city: 'Oslo' } })).toEqual({ n: 'must be <= 10', s: 'must have at most 4 characters' });
    expect(validateForm(schema, { cc: 'ops', n: 3, addr: { city: 'Oslo' } })).toEqual({});
    // Only some fields, none required (the edits form); some left out (the decision form without editable fields).
    expect(validateForm(schema, {}, '', ['n'])).toEqual({});
    expect(validateForm(schema, { cc: 'ops', addr: { city: 'x' } }, '', undefined, ['n'])).toEqual({});
  });
  it('places the server’s 422 at its field', () => {
    expect(serverFieldError('data.cc: must be one of "ops", "sales"', 'data')).toEqual({ cc: 'must be one of "ops", "sales"' });
    expect(serverFieldError('edits.amount: must be >= 1', 'data')).toBeNull();
  });
});
