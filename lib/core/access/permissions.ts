/** The one permission table: every role's permissions, and the actor type people and tokens share. */
export const PERMISSIONS = [
  'workflow:read',
  'workflow:write',
  'execution:create',
  'execution:read',
  'execution:cancel',
  'approval:read',
  'approval:decide',
  /** The notification outbox: messages with live decision links, so admins only. */
  'notification:read',
  /** POST /callbacks/{key}: resume the pause waiting on a key (or hold the callback for it). For systems: tokens may hold it. */
  'callback:send',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ['admin', 'operator', 'approver', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  admin: PERMISSIONS,
  operator: PERMISSIONS.filter((p) => p !== 'approval:decide' && p !== 'notification:read'),
  approver: ['workflow:read', 'execution:read', 'approval:read', 'approval:decide'],
  viewer: ['workflow:read', 'execution:read', 'approval:read'],
};

export function isPermission(p: string): p is Permission {
  return (PERMISSIONS as readonly string[]).includes(p);
}

export function isRole(r: string): r is Role {
  return (ROLES as readonly string[]).includes(r);
}

export type Actor = {
  kind: 'user' | 'token' | 'system' | 'link';
  /** Stable label recorded on every change: a user's email, a token's name, or "system:worker". */
  id: string;
  name: string;
  role: Role | null;
  permissions: ReadonlySet<Permission>;
  /** A decision link: acts as the person it was sent to, for this one approval request only. */
  link?: { id: string; approvalId: string };
};

export function userActor(user: { email: string; name: string; role: string }): Actor {
  const role = isRole(user.role) ? user.role : 'viewer';
  return { kind: 'user', id: user.email, name: user.name, role, permissions: new Set(ROLE_PERMISSIONS[role]) };
}

/** Permissions only a person may hold: a decision must be traceable to one person (quorum, self-approval). */
export const PERSON_ONLY_PERMISSIONS: readonly Permission[] = ['approval:decide'];

/**
 * A token issued to a user acts as that user (so self-approval compares the same actor), limited to
 * the subset of permissions both the token and the user's role allow. A standalone token is its own
 * actor and never decides: approval:decide is dropped even from a standalone token stored with it
 * (created before the rule, or written by hand), so every decision route refuses it.
 */
export function tokenActor(
  token: { name: string; permissions: string[] },
  user?: { email: string; name: string; role: string } | null,
): Actor {
  const granted = token.permissions.filter(isPermission);
  if (user) {
    const base = userActor(user);
    return { ...base, kind: 'token', permissions: new Set(granted.filter((p) => base.permissions.has(p))) };
  }
  return { kind: 'token', id: `token:${token.name}`, name: token.name, role: null, permissions: new Set(granted.filter((p) => !PERSON_ONLY_PERMISSIONS.includes(p))) };
}

/**
 * A decision link acts as the person it was sent to (so every decision rule sees that person), with
 * nothing but approval:decide — and only if their role still grants it — for one request.
 */
export function linkActor(user: { email: string; name: string; role: string }, link: { id: string; approvalId: string }): Actor {
  const base = userActor(user);
  return { ...base, kind: 'link', permissions: new Set(base.permissions.has('approval:decide') ? (['approval:decide'] as const) : []), link };
}

export const SYSTEM_ACTOR: Actor = {
  kind: 'system',
  id: 'system:worker',
  name: 'worker',
  role: null,
  permissions: new Set(PERMISSIONS),
};

export function hasPermissions(actor: Actor, required: readonly Permission[]): boolean {
  return required.every((p) => actor.permissions.has(p));
}
