import { z } from 'zod';
import type { WorkflowRow } from '../../db/schema';
import { ZId, ZTimestamp } from '../dto';
import { ZDefinition } from '../engine/definition';

export const ZWorkflow = z.strictObject({
  id: ZId,
  key: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  version: z.number().int(),
  enabled: z.boolean(),
  definition: ZDefinition,
  created_at: ZTimestamp,
  updated_at: ZTimestamp,
});
export type WorkflowDto = z.infer<typeof ZWorkflow>;

export const ZWorkflowList = z.strictObject({ workflows: z.array(ZWorkflow), count: z.number().int() });
export type WorkflowListDto = z.infer<typeof ZWorkflowList>;

export function toWorkflowDto(w: WorkflowRow) {
  return {
    id: w.id,
    key: w.key,
    name: w.name,
    description: w.description,
    version: w.version,
    enabled: w.enabled,
    definition: w.definition,
    created_at: w.createdAt.toISOString(),
    updated_at: w.updatedAt.toISOString(),
  } satisfies WorkflowDto;
}
