import { asc, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { rowMapper, type DbOrTx } from '../../db/client';
import { runStatement } from '../../db/sql';
import { WORKFLOW_BY_ID, WORKFLOW_BY_KEY } from '../../db/sql/workflow-lookup';
import { users, workflows, type WorkflowRow } from '../../db/schema';
import { namedPeople, ZDefinition } from '../engine/definition';
import { AppError } from '../errors';
import { isUuid } from '../ids';
import { toWorkflowDto, type WorkflowListDto } from './workflow-dto';

export const ZCreateWorkflow = z.strictObject({
  key: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9][a-z0-9-_]*$/, 'lowercase letters, digits, - and _ only'),
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  definition: ZDefinition,
});
export type CreateWorkflowInput = z.infer<typeof ZCreateWorkflow>;

export async function createWorkflow(db: DbOrTx, input: CreateWorkflowInput) {
  await assertPeopleExist(db, input);
  const inserted = await db
    .insert(workflows)
    .values({ key: input.key, name: input.name, description: input.description ?? null, definition: input.definition })
    .onConflictDoNothing({ target: workflows.key })
    .returning();
  if (!inserted[0]) throw new AppError('conflict', `a workflow with key "${input.key}" already exists`);
  return toWorkflowDto(inserted[0]);
}

export async function listWorkflows(db: DbOrTx) {
  const rows = await db.select().from(workflows).orderBy(asc(workflows.name)).limit(500);
  return { workflows: rows.map(toWorkflowDto), count: rows.length } satisfies WorkflowListDto;
}

export async function findWorkflowRow(db: DbOrTx, idOrKey: string): Promise<WorkflowRow> {
  // No stored key can hold these (keys are validated slugs); PostgreSQL would reject them as text.
  if (idOrKey.length > 200 || /[\u0000\uD800-\uDFFF]/.test(idOrKey)) throw new AppError('not_found', 'workflow not found');
  // Fixed statements, sent as named prepared statements (starts, through findWorkflowForStart; list filters).
  const [raw] = isUuid(idOrKey)
    ? await runStatement(db, WORKFLOW_BY_ID, [idOrKey])
    : await runStatement(db, WORKFLOW_BY_KEY, [idOrKey]);
  if (!raw) throw new AppError('not_found', `workflow ${idOrKey} not found`);
  return fromWorkflow(raw);
}
const fromWorkflow = rowMapper<WorkflowRow>(workflows);

/**
 * Workflow rows recently looked up by a start, by the id or key it named. Safe to keep because a
 * stored workflow never changes (no route or command updates one; see workflow-definitions.ts) and
 * the start's INSERT checks, in the same statement, that the workflow still exists and is enabled
 * (lib/db/sql/commit-execution.ts): a row deleted, recreated under its key or disabled by hand
 * makes that INSERT write nothing, and startExecution forgets the entry and looks again. Saves a
 * round trip on every start; an entry lives a minute at most.
 */
const startCache = new Map<string, { row: WorkflowRow; at: number }>();
const START_CACHE_TTL_MS = 60_000;
const START_CACHE_MAX = 1000;

/** findWorkflowRow through the start's cache; `cached` says whether the answer came from it. */
export async function findWorkflowForStart(db: DbOrTx, idOrKey: string): Promise<{ row: WorkflowRow; cached: boolean }> {
  const nowMs = Date.now();
  const hit = startCache.get(idOrKey);
  if (hit && nowMs - hit.at <= START_CACHE_TTL_MS) return { row: hit.row, cached: true };
  const row = await findWorkflowRow(db, idOrKey);
  // A disabled workflow is not kept: enabling it again by hand must take effect at once.
  if (!row.enabled) return { row, cached: false };
  if (startCache.size >= START_CACHE_MAX) startCache.delete(startCache.keys().next().value!);
  startCache.set(idOrKey, { row, at: nowMs });
  return { row, cached: false };
}

/** Drops a start's cached answer for `idOrKey` (its INSERT found the workflow gone or disabled). */
export function forgetWorkflowForStart(idOrKey: string): void {
  startCache.delete(idOrKey);
}

export async function getWorkflow(db: DbOrTx, idOrKey: string) {
  return toWorkflowDto(await findWorkflowRow(db, idOrKey));
}

/** Assignees and escalation users must be users: a typo would leave a request nobody is asked to decide. */
async function assertPeopleExist(db: DbOrTx, input: CreateWorkflowInput) {
  const named = namedPeople(input.definition);
  if (named.length === 0) return;
  const known = new Set(
    (await db.select({ email: users.email }).from(users).where(inArray(users.email, [...new Set(named.map((n) => n.email))]))).map((u) => u.email),
  );
  const unknown = named.filter((n) => !known.has(n.email));
  if (unknown.length > 0) {
    const details = unknown.map((n) => ({ path: ['definition', ...n.path].join('.'), message: `unknown user ${n.email}` }));
    throw new AppError('validation_failed', `${details[0]!.path}: unknown user ${unknown[0]!.email}`, details);
  }
}
