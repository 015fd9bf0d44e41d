/**
 * Decisions bound to what the approver saw (issue 13). The payload of an approval request is the
 * execution's context — the data the workflow carries and the console and decision links show.
 * Each request has a `payload_version` (1 when opened, one more after each approve-with-edits) and
 * a `payload_hash` (sha256 of the payload's canonical JSON). A vote names the version it was cast
 * on; a vote for another version is refused (409 payload_changed), and votes recorded on an older
 * version are stale: kept and shown, never counted toward the quorum.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../errors';

/** JSON with object keys sorted at every level: the same data always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function payloadHash(payload: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(payload)).digest('hex')}`;
}

/** A vote's version against the request's: refused unless it is the current one (when given). */
export function assertCurrentPayload(approval: { payloadVersion: number }, given: number | undefined): void {
  if (given === undefined || given === approval.payloadVersion) return;
  throw new AppError(
    'payload_changed',
    given < approval.payloadVersion
      ? `payload changed: you decided on version ${given}, the request is now at version ${approval.payloadVersion}; review the current payload and decide again`
      : `payload_version ${given} does not exist; the request is at version ${approval.payloadVersion}`,
  );
}

/** Whether a recorded vote was cast on an older payload version than the request's current one. */
export function isStale(decision: { payloadVersion: number }, approval: { payloadVersion: number }): boolean {
  return decision.payloadVersion < approval.payloadVersion;
}

/** The votes that count: those on the request's current payload version. */
export function currentVotes<D extends { payloadVersion: number }>(decisions: readonly D[], approval: { payloadVersion: number }): D[] {
  return decisions.filter((d) => !isStale(d, approval));
}

/**
 * What a new approval request keeps of its step and payload (issue 13): the hash of the payload
 * it opens on (version 1), the step's input schema and editable fields. Spread into the request's
 * values wherever one is opened (a pause at an approval step, a reopen).
 */
export function requestBinding(context: unknown, step: { inputSchema?: Record<string, unknown> | null; editable?: readonly string[] }) {
  return { payloadHash: payloadHash(context), inputSchema: step.inputSchema ?? null, editable: [...(step.editable ?? [])] };
}
