import { z } from 'zod';
import { PERMISSIONS, ROLES, type Actor } from './permissions';

/** Who the caller is and what they may do: the console offers only what the caller may do. */
export const ZMe = z.strictObject({
  id: z.string(),
  kind: z.enum(['user', 'token', 'system']),
  name: z.string(),
  role: z.enum(ROLES).nullable(),
  permissions: z.array(z.enum(PERMISSIONS)),
});
export type MeDto = z.infer<typeof ZMe>;

export function toMeDto(actor: Actor) {
  return {
    id: actor.id,
    kind: actor.kind,
    name: actor.name,
    role: actor.role,
    // In the permission table's order, so the answer is stable.
    permissions: PERMISSIONS.filter((p) => actor.permissions.has(p)),
  } satisfies MeDto;
}
