import { withApiAuth } from '@/lib/api/with-api-auth';
import { PERMISSIONS } from '@/lib/core/access/permissions';

export const dynamic = 'force-dynamic';

/** Who the caller is and what they may do: the console hides what the caller cannot do. */
export const GET = withApiAuth(
  async ({ actor }) => ({
    body: {
      id: actor.id,
      kind: actor.kind,
      name: actor.name,
      role: actor.role,
      // In the permission table's order, so the answer is stable.
      permissions: PERMISSIONS.filter((p) => actor.permissions.has(p)),
    },
  }),
  { permissions: [] },
);
