import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { workflows } from '../../db/schema';
import { AppError } from '../errors';
import { compileDefinition, ZStoredDefinition, type CompiledDefinition } from './definition';

// A stored definition never changes (no route or command updates it; a different flow is a new
// workflow), so a process can keep the compiled form and skip re-validating it on every step.
const cache = new Map<string, { version: number; def: CompiledDefinition }>();

export async function loadDefinition(db: DbOrTx, workflowId: string): Promise<CompiledDefinition> {
  const hit = cache.get(workflowId);
  if (hit) return hit.def;
  const [wf] = await db.select({ definition: workflows.definition, version: workflows.version }).from(workflows).where(eq(workflows.id, workflowId));
  if (!wf) throw new AppError('not_found', 'workflow not found');
  const parsed = ZStoredDefinition.safeParse(wf.definition);
  if (!parsed.success) throw new Error(`stored definition of workflow ${workflowId} is invalid`);
  const def = compileDefinition(parsed.data);
  cache.set(workflowId, { version: wf.version, def });
  return def;
}
