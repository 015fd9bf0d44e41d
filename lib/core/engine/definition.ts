import { z } from 'zod';
import { ROLES } from '../access/permissions';
import { DURATION_FORMS, parseDurationMs } from '../duration';
import { ZCallbackKeyTemplate } from '../callbacks/callback-key';
import { DECISION_KEYS, schemaProblems } from '../approvals/input-schema';

const ZStepId = z.string().min(1).max(100);
const MAX_DURATION_MS = 10 * 365 * 86_400_000;
const ZDuration = z
  .union([z.string().max(40), z.number().nonnegative().max(MAX_DURATION_MS / 1000)])
  .refine((v) => parseDurationMs(v) !== null, { message: `expected ${DURATION_FORMS}` })
  .refine((v) => (parseDurationMs(v) ?? 0) <= MAX_DURATION_MS, { message: 'durations are limited to 10 years' });

export const CONDITION_OPERATORS = ['==', '!=', '>', '>=', '<', '<=', 'in', 'contains', 'exists'] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

export type Condition =
  | { field: string; operator: ConditionOperator; value?: unknown }
  | { and: Condition[] }
  | { or: Condition[] };

export const ZCondition: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ field: z.string().min(1).max(200), operator: z.enum(CONDITION_OPERATORS), value: z.unknown().optional() }),
    z.strictObject({ and: z.array(ZCondition).min(1) }),
    z.strictObject({ or: z.array(ZCondition).min(1) }),
  ]),
);

const ZAction = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('allow') }),
  z.strictObject({ type: z.literal('set'), values: z.record(z.string(), z.unknown()) }),
  z.strictObject({ type: z.literal('fail'), reason: z.string().min(1).max(1000) }),
  z.strictObject({ type: z.literal('log'), message: z.string().max(1000).optional() }),
  z.strictObject({ type: z.literal('block'), reason: z.string().min(1).max(1000) }),
]);

const ON_TIMEOUT = ['reject', 'approve', 'fail'] as const;

const ZEmail = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .regex(/^[^\s@]+@[^\s@]+$/, 'expected an email address');
const ZEmails = z.array(ZEmail).min(1).max(50);

/** Who is told to decide, and when to remind and escalate (lib/core/notifications). */
const ZEscalateTo = z.union([z.strictObject({ users: ZEmails }), z.strictObject({ role: z.enum(ROLES) })]);

/** A JSON Schema for the decision's `data` / the resume's `resume_data` (checked by ZDefinition). */
const ZInputSchema = z.record(z.string(), z.unknown()).meta({ description: 'JSON Schema (ajv, strict) of the data a decision or resume carries' });
const ZEditable = z.array(z.string().min(1).max(100)).min(1).max(50);

const ZStep = z.discriminatedUnion('type', [
  z.strictObject({
    id: ZStepId,
    type: z.literal('condition'),
    condition: ZCondition,
    on_true: ZStepId.optional(),
    on_false: ZStepId.optional(),
  }),
  z.strictObject({ id: ZStepId, type: z.literal('action'), action: ZAction, next: ZStepId.optional() }),
  z.strictObject({
    id: ZStepId,
    type: z.literal('approval'),
    reason: z.string().min(1).max(1000),
    required_approvals: z.number().int().min(1).max(20).optional(),
    approver_role: z.enum(ROLES).optional(),
    on_approve: ZStepId.optional(),
    on_reject: ZStepId.optional(),
    next: ZStepId.optional(),
    timeout: ZDuration.optional(),
    on_timeout: z.enum(ON_TIMEOUT).optional(),
    assignees: ZEmails.optional(),
    remind_after: z.array(ZDuration).min(1).max(10).optional(),
    escalate_after: ZDuration.optional(),
    escalate_to: ZEscalateTo.optional(),
    webhook: z.string().url().max(2000).regex(/^https?:\/\//, 'expected an http(s) URL').optional(),
    input_schema: ZInputSchema.optional(),
    editable: ZEditable.optional(),
  }),
  z.strictObject({
    id: ZStepId,
    type: z.literal('pause'),
    reason: z.string().min(1).max(1000).optional(),
    timeout: ZDuration.optional(),
    next: ZStepId.optional(),
    // POST /callbacks/{key} resumes it (lib/core/callbacks).
    callback_key: ZCallbackKeyTemplate.optional(),
    input_schema: ZInputSchema.optional(),
  }),
  z.strictObject({ id: ZStepId, type: z.literal('wait'), duration: ZDuration, next: ZStepId.optional() }),
]);

export type Step = z.infer<typeof ZStep>;
export type StepType = Step['type'];

/** The step ids a step may continue at. */
export function stepTargets(step: Step): [string, string | undefined][] {
  switch (step.type) {
    case 'condition':
      return [['on_true', step.on_true], ['on_false', step.on_false]];
    case 'approval':
      return [['on_approve', step.on_approve], ['on_reject', step.on_reject], ['next', step.next]];
    default:
      return [['next', step.next]];
  }
}

/**
 * Steps that stop the run until something from outside (a person, a callback, time) moves it on. A
 * wait of zero does not: it goes on at once.
 */
function waitsForOutside(step: Step): boolean {
  if (step.type === 'wait') return (parseDurationMs(step.duration) ?? 0) > 0;
  return step.type === 'approval' || step.type === 'pause' || (step.type === 'action' && step.action.type === 'block');
}

/**
 * A loop that never waits for anything outside runs forever, writing events as fast as the
 * database takes them. Returns one such loop as the step ids along it (first id repeated at the end)
 * with the field that closes it, or null. Depth-first search over the steps that do not wait,
 * iterative so a 500-step chain cannot overflow the stack.
 */
export function findLoopWithoutPause(steps: readonly Step[]): { path: string[]; index: number; field: string } | null {
  const byId = new Map(steps.map((s, i) => [s.id, { step: s, index: i }]));
  const state = new Map<string, 'open' | 'done'>();
  for (const root of steps) {
    if (state.has(root.id) || waitsForOutside(root)) continue;
    // Each frame: a step and the targets not yet followed; the frames form the current path.
    const stack: { id: string; targets: [string, string][] }[] = [];
    const push = (id: string) => {
      state.set(id, 'open');
      const targets = stepTargets(byId.get(id)!.step).filter((t): t is [string, string] => t[1] !== undefined && byId.has(t[1]));
      stack.push({ id, targets });
    };
    push(root.id);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const next = top.targets.shift();
      if (!next) {
        state.set(top.id, 'done');
        stack.pop();
        continue;
      }
      const [field, target] = next;
      if (waitsForOutside(byId.get(target)!.step) || state.get(target) === 'done') continue;
      if (state.get(target) === 'open') {
        const from = stack.findIndex((f) => f.id === target);
        return { path: [...stack.slice(from).map((f) => f.id), target], index: byId.get(top.id)!.index, field };
      }
      push(target);
    }
  }
  return null;
}

/** A definition as stored: its shape, unique ids, and every referenced id present. */
export const ZStoredDefinition = z
  .strictObject({ steps: z.array(ZStep).min(1).max(500) })
  .superRefine((def, ctx) => {
    const seen = new Map<string, number>();
    def.steps.forEach((s, i) => {
      if (seen.has(s.id)) ctx.addIssue({ code: 'custom', path: ['steps', i, 'id'], message: `duplicate step id "${s.id}"` });
      seen.set(s.id, i);
    });
    def.steps.forEach((s, i) => {
      if (s.type === 'approval' && (s.escalate_after === undefined) !== (s.escalate_to === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['steps', i, s.escalate_after === undefined ? 'escalate_after' : 'escalate_to'], message: 'escalate_after and escalate_to go together' });
      }
      for (const [field, target] of stepTargets(s)) {
        if (target !== undefined && !seen.has(target)) {
          ctx.addIssue({ code: 'custom', path: ['steps', i, field], message: `unknown step id "${target}"` });
        }
      }
    });
  });

/**
 * A new definition: a stored one that also has no loop without a pause. (Workflows stored before
 * loops were checked still load and run; the step budget ends their loops.)
 */
export const ZDefinition = ZStoredDefinition.superRefine((def, ctx) => {
  def.steps.forEach((s, i) => {
    if ((s.type !== 'approval' && s.type !== 'pause') || !s.input_schema) return;
    for (const p of schemaProblems(s.input_schema)) ctx.addIssue({ code: 'custom', path: ['steps', i, 'input_schema', ...p.path], message: p.message });
    const props = Object.keys((s.input_schema.properties ?? {}) as object);
    const reserved = s.type === 'approval' ? props.filter((k) => (DECISION_KEYS as readonly string[]).includes(k)) : [];
    for (const k of reserved) ctx.addIssue({ code: 'custom', path: ['steps', i, 'input_schema', 'properties', k], message: `"${k}" is a field of the decision itself; name it differently` });
  });
  def.steps.forEach((s, i) => {
    if (s.type !== 'approval' || !s.editable) return;
    const required = (s.input_schema?.required ?? []) as unknown[];
    s.editable.forEach((f, j) => {
      if (s.editable!.indexOf(f) !== j) ctx.addIssue({ code: 'custom', path: ['steps', i, 'editable', j], message: `duplicate field "${f}"` });
      // Editable fields are payload fields, changed by edits; a decision's data never carries them.
      else if (Array.isArray(required) && required.includes(f)) ctx.addIssue({ code: 'custom', path: ['steps', i, 'editable', j], message: `"${f}" is editable, so the input schema cannot require it in data` });
    });
  });
  if (new Set(def.steps.map((s) => s.id)).size !== def.steps.length) return;
  const loop = findLoopWithoutPause(def.steps);
  if (loop) {
    ctx.addIssue({
      code: 'custom',
      path: ['steps', loop.index, loop.field],
      message: `the loop ${loop.path.join(' → ')} has no pause, approval or wait step, so it would run forever; put one in it`,
    });
  }
});

export type Definition = z.infer<typeof ZDefinition>;

/** Every user email a definition names (assignees, escalation users), with its path: they must exist. */
export function namedPeople(def: Definition): { email: string; path: (string | number)[] }[] {
  return def.steps.flatMap((s, i) => {
    if (s.type !== 'approval') return [];
    const named = (s.assignees ?? []).map((email, j) => ({ email, path: ['steps', i, 'assignees', j] as (string | number)[] }));
    if (s.escalate_to && 'users' in s.escalate_to) {
      named.push(...s.escalate_to.users.map((email, j) => ({ email, path: ['steps', i, 'escalate_to', 'users', j] as (string | number)[] })));
    }
    return named;
  });
}

export type CompiledDefinition = Definition & { byId: Map<string, Step>; first: Step };

export function compileDefinition(def: Definition): CompiledDefinition {
  return { ...def, byId: new Map(def.steps.map((s) => [s.id, s])), first: def.steps[0]! };
}
