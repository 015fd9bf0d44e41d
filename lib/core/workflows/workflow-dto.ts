import type { WorkflowRow } from '../../db/schema';

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
  };
}

export type WorkflowDto = ReturnType<typeof toWorkflowDto>;
