import { createHash, randomBytes } from 'node:crypto';
import type { DbOrTx } from '../../db/client';
import { decisionLinks } from '../../db/schema';
import { env } from '../../env';

const TOKEN_PREFIX = 'wrd_';

/** Where a mail's text holds its decision link's token until delivery fills it in (see deliver.ts). */
export const LINK_TOKEN_PLACEHOLDER = '{{decision_link_token}}';

export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A token worth looking up: our prefix and the length randomBytes(32) gives, nothing else. */
export function isLinkTokenShaped(token: string): boolean {
  return /^wrd_[A-Za-z0-9_-]{43}$/.test(token);
}

/** The origin used in links: PUBLIC_URL, else NEXTAUTH_URL, else this machine on PORT. */
export function publicUrl(): string {
  const e = env();
  return (e.PUBLIC_URL ?? e.NEXTAUTH_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
}

export function decisionUrl(token: string): string {
  return `${publicUrl()}/decide/${token}`;
}

/**
 * A link for one recipient of one request: 32 random bytes; only their SHA-256 is stored. It works
 * until its request's pause expires or DECISION_LINK_TTL passes, whichever is first.
 */
export async function createDecisionLink(
  tx: DbOrTx,
  input: { approvalId: string; recipient: string; requestExpiresAt: Date | null; now: Date },
): Promise<{ id: string; token: string; expiresAt: Date }> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const ttlEnd = input.now.getTime() + env().DECISION_LINK_TTL;
  const expiresAt = new Date(input.requestExpiresAt ? Math.min(ttlEnd, input.requestExpiresAt.getTime()) : ttlEnd);
  const [row] = await tx
    .insert(decisionLinks)
    .values({ tokenHash: hashLinkToken(token), approvalId: input.approvalId, recipient: input.recipient, expiresAt, createdAt: input.now })
    .returning({ id: decisionLinks.id });
  return { id: row!.id, token, expiresAt };
}
