import { asc, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { queryNamed, rowMapper, type DbOrTx } from '../../db/client';
import { columnsOf } from '../../db/columns';
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
  // Fixed statements, sent as named prepared statements: every start looks its workflow up.
  const [raw] = isUuid(idOrKey)
    ? await queryNamed(db, 'wr_workflow_by_id', `select ${WORKFLOW_COLUMNS} from workflows where id = $1::uuid`, [idOrKey])
    : await queryNamed(db, 'wr_workflow_by_key', `select ${WORKFLOW_COLUMNS} from workflows where key = $1`, [idOrKey]);
  if (!raw) throw new AppError('not_found', `workflow ${idOrKey} not found`);
  return fromWorkflow(raw);
}
const fromWorkflow = rowMapper<WorkflowRow>(workflows);
const WORKFLOW_COLUMNS = columnsOf(workflows);

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
