import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../db/client';
import { workflows, type WorkflowRow } from '../../db/schema';
import { ZDefinition } from '../engine/definition';
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
  const [row] = await db
    .select()
    .from(workflows)
    .where(isUuid(idOrKey) ? eq(workflows.id, idOrKey) : eq(workflows.key, idOrKey));
  if (!row) throw new AppError('not_found', `workflow ${idOrKey} not found`);
  return row;
}

export async function getWorkflow(db: DbOrTx, idOrKey: string) {
  return toWorkflowDto(await findWorkflowRow(db, idOrKey));
}
