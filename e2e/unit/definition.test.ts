import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileDefinition, stepTargets, ZDefinition, ZStoredDefinition, type Step } from '@/lib/core/engine/definition';

/** Random valid definitions: every reference points at an existing step id. */
const stepId = fc.stringMatching(/^[a-z][a-z0-9_-]{0,11}$/);

function stepOf(kind: number, id: string, ref: () => string | undefined): Record<string, unknown> {
  switch (kind) {
    case 0:
      return { id, type: 'condition', condition: { and: [{ field: 'a.b', operator: '>=', value: 1 }, { or: [{ field: 'c', operator: 'exists' }] }] }, on_true: ref(), on_false: ref() };
    case 1:
      return { id, type: 'action', action: { type: 'set', values: { [id]: true } }, next: ref() };
    case 2:
      return { id, type: 'action', action: { type: 'log', message: id }, next: ref() };
    case 3:
      return { id, type: 'approval', reason: 'r', required_approvals: 2, approver_role: 'approver', on_approve: ref(), on_reject: ref(), timeout: 'PT1H', on_timeout: 'reject' };
    case 4:
      return { id, type: 'pause', reason: 'r', timeout: 3600, next: ref() };
    default:
      return { id, type: 'wait', duration: 'P1DT2H', next: ref() };
  }
}

const validDefinition = fc
  .uniqueArray(stepId, { minLength: 1, maxLength: 12 })
  .chain((ids) =>
    fc.tuple(
      fc.constant(ids),
      fc.array(fc.nat({ max: 5 }), { minLength: ids.length, maxLength: ids.length }),
      fc.array(fc.option(fc.constantFrom(...ids), { nil: undefined }), { minLength: ids.length * 2, maxLength: ids.length * 2 }),
    ),
  )
  .map(([ids, kinds, refs]) => {
    let r = 0;
    const steps = ids.map((id, i) => stepOf(kinds[i]!, id, () => refs[r++ % refs.length]));
    // Optional references that are undefined are simply absent.
    return { steps: steps.map((s) => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined))) };
  });

/**
 * Whether some step can reach itself through steps that never wait for anything outside (approval,
 * pause, wait, block): a transitive closure, independent of the depth-first search under test.
 */
function hasLoopWithoutPause(steps: Record<string, unknown>[]): boolean {
  const waits = (s: Record<string, unknown>) =>
    ['approval', 'pause'].includes(s.type as string) ||
    (s.type === 'wait' && s.duration !== 0) ||
    (s.type === 'action' && (s.action as { type: string }).type === 'block');
  const ids = steps.filter((s) => !waits(s)).map((s) => s.id as string);
  const reach = new Map(ids.map((id) => [id, new Set<string>()]));
  for (const s of steps) {
    if (!reach.has(s.id as string)) continue;
    for (const f of ['next', 'on_true', 'on_false']) if (reach.has(s[f] as string)) reach.get(s.id as string)!.add(s[f] as string);
  }
  for (const k of ids) for (const i of ids) if (reach.get(i)!.has(k)) for (const j of reach.get(k)!) reach.get(i)!.add(j);
  return ids.some((id) => reach.get(id)!.has(id));
}

describe('definition schema', () => {
  it('accepts generated definitions whose references all exist as stored, and compiles them (property)', () => {
    fc.assert(
      fc.property(validDefinition, (def) => {
        const parsed = ZStoredDefinition.safeParse(def);
        expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
        const compiled = compileDefinition(parsed.data!);
        expect(compiled.first.id).toBe(def.steps[0]!.id);
        expect([...compiled.byId.keys()]).toEqual(def.steps.map((s) => s.id));
        for (const step of compiled.steps) for (const [, target] of stepTargets(step)) if (target) expect(compiled.byId.has(target)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a dangling reference at exactly its path (property)', () => {
    fc.assert(
      fc.property(validDefinition, fc.nat(), (def, pick) => {
        const withRefs = def.steps.flatMap((s, i) => ['next', 'on_true', 'on_false', 'on_approve', 'on_reject'].filter((f) => f in s).map((f) => [i, f] as const));
        fc.pre(withRefs.length > 0);
        const [i, field] = withRefs[pick % withRefs.length]!;
        const broken = structuredClone(def);
        (broken.steps[i] as Record<string, unknown>)[field] = 'no-such-step!';
        const parsed = ZStoredDefinition.safeParse(broken);
        expect(parsed.success).toBe(false);
        expect(parsed.error!.issues.map((x) => x.path.join('.'))).toEqual([`steps.${i}.${field}`]);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a duplicated id at the later step (property)', () => {
    fc.assert(
      fc.property(validDefinition.filter((d) => d.steps.length >= 2), fc.nat(), fc.nat(), (def, a, b) => {
        const i = a % def.steps.length;
        const j = b % def.steps.length;
        fc.pre(i !== j);
        const [first, second] = i < j ? [i, j] : [j, i];
        const broken = structuredClone(def);
        broken.steps[second]!.id = broken.steps[first]!.id;
        const parsed = ZStoredDefinition.safeParse(broken);
        expect(parsed.success).toBe(false);
        expect(parsed.error!.issues.map((x) => x.path.join('.'))).toContain(`steps.${second}.id`);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a new definition exactly when it has a loop without a pause, approval or wait step (property)', () => {
    fc.assert(
      fc.property(validDefinition, (def) => {
        const parsed = ZDefinition.safeParse(def);
        expect(parsed.success, JSON.stringify(def)).toBe(!hasLoopWithoutPause(def.steps));
        if (!parsed.success) {
          expect(parsed.error.issues).toHaveLength(1);
          expect(parsed.error.issues[0]!.message).toMatch(/^the loop .+ has no pause, approval or wait step/);
        }
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['a step that continues at itself', [{ id: 'spin', type: 'action', action: { type: 'log' }, next: 'spin' }], 'steps.0.next', 'spin → spin'],
    [
      'a condition loop through a set step',
      [
        { id: 'a', type: 'action', action: { type: 'set', values: { n: 1 } }, next: 'c' },
        { id: 'c', type: 'condition', condition: { field: 'n', operator: '<', value: 10 }, on_true: 'a', on_false: 'end' },
        { id: 'end', type: 'action', action: { type: 'allow' } },
      ],
      'steps.1.on_true',
      'a → c → a',
    ],
    ['a loop through a wait of zero', [{ id: 'a', type: 'action', action: { type: 'log' }, next: 'w' }, { id: 'w', type: 'wait', duration: 'PT0S', next: 'a' }], 'steps.1.next', 'a → w → a'],
  ])('refuses %s, naming the loop', (_name, steps, path, loop) => {
    const parsed = ZDefinition.safeParse({ steps });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toEqual([path]);
    expect(parsed.error!.issues[0]!.message).toContain(loop);
    expect(ZStoredDefinition.safeParse({ steps }).success).toBe(true);
  });

  it.each([
    ['through a pause', { id: 'p', type: 'pause', next: 'a' }],
    ['through an approval', { id: 'p', type: 'approval', reason: 'again?', on_approve: 'a' }],
    ['through a wait', { id: 'p', type: 'wait', duration: 'PT1M', next: 'a' }],
    ['through a one-second wait', { id: 'p', type: 'wait', duration: 1, next: 'a' }],
    ['through a block', { id: 'p', type: 'action', action: { type: 'block', reason: 'again?' }, next: 'a' }],
  ])('accepts a loop %s', (_name, waiting) => {
    const steps = [{ id: 'a', type: 'action', action: { type: 'log' }, next: 'p' }, waiting];
    expect(ZDefinition.safeParse({ steps }).success).toBe(true);
  });

  it.each([
    ['no steps', { steps: [] }, 'steps'],
    ['not an object', 'steps', ''],
    ['an unknown step type', { steps: [{ id: 'a', type: 'jump' }] }, 'steps.0.type'],
    ['an unknown action', { steps: [{ id: 'a', type: 'action', action: { type: 'nuke' } }] }, 'steps.0.action.type'],
    ['an unknown operator', { steps: [{ id: 'c', type: 'condition', condition: { field: 'x', operator: '~=' } }] }, 'steps.0.condition'],
    ['an empty and', { steps: [{ id: 'c', type: 'condition', condition: { and: [] } }] }, 'steps.0.condition.and'],
    ['an unknown role', { steps: [{ id: 'a', type: 'approval', reason: 'r', approver_role: 'god' }] }, 'steps.0.approver_role'],
    ['a bad on_timeout', { steps: [{ id: 'a', type: 'approval', reason: 'r', on_timeout: 'never' }] }, 'steps.0.on_timeout'],
    ['a bad duration', { steps: [{ id: 'w', type: 'wait', duration: '5 minutes' }] }, 'steps.0.duration'],
    ['a negative duration', { steps: [{ id: 'w', type: 'wait', duration: -1 }] }, 'steps.0.duration'],
    ['an extra step field', { steps: [{ id: 'w', type: 'wait', duration: 1, then: 'x' }] }, 'steps.0'],
    ['an extra top-level field', { steps: [{ id: 'w', type: 'wait', duration: 1 }], version: 2 }, ''],
  ])('refuses %s at %j', (_name, def, path) => {
    const parsed = ZDefinition.safeParse(def);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.path.join('.')).toBe(path);
  });

  it('accepts ISO and numeric durations on wait, pause and approval timeouts', () => {
    for (const duration of ['PT1H', 'P1DT2H', 'P2W', 'pt15m', 0, 3600, 10 * 365 * 86400]) {
      const def = {
        steps: [
          { id: 'w', type: 'wait', duration, next: 'p' },
          { id: 'p', type: 'pause', timeout: duration, next: 'a' },
          { id: 'a', type: 'approval', reason: 'r', timeout: duration },
        ],
      };
      expect(ZDefinition.safeParse(def).success, String(duration)).toBe(true);
    }
  });

  it('stepTargets lists the references of each step type', () => {
    const steps: Step[] = [
      { id: 'c', type: 'condition', condition: { field: 'x', operator: 'exists' }, on_true: 't', on_false: 'f' },
      { id: 'a', type: 'approval', reason: 'r', on_approve: 'y', on_reject: 'n', next: 'z' },
      { id: 'w', type: 'wait', duration: 1, next: 'n2' },
      { id: 'p', type: 'pause' },
    ];
    expect(steps.map(stepTargets)).toEqual([
      [['on_true', 't'], ['on_false', 'f']],
      [['on_approve', 'y'], ['on_reject', 'n'], ['next', 'z']],
      [['next', 'n2']],
      [['next', undefined]],
    ]);
  });
});
