/**
 * Approve with edits (issue 13): an approver changes some of the payload's fields — only those the
 * step lists as `editable`, each validated by the step's input schema — and approves the result.
 * The edit makes payload version n+1: the execution's context and the request's version, hash and
 * tally change by compare-and-set in the decision's transaction, with a `payload_edited` event
 * (who, when, old → new) on the timeline. The caller then records the editor's approval of n+1
 * (castVote); votes on n are stale from then on, and the others must approve n+1.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { approvalRequests, type ApprovalRow } from '../../db/schema';
import type { Actor } from '../access/permissions';
import { assertContextFits } from '../engine/context-limit';
import type { JsonObject } from '../engine/execute-step';
import { ExecutionChange } from '../engine/execution-change';
import { AppError } from '../errors';
import type { LockedApproval } from './decide-approval';
import { assertMayDecide } from './decision-rules';
import { assertMatchesSchema, editsSchema } from './input-schema';
import { assertCurrentPayload, canonicalJson, payloadHash } from './payload-version';

/**
 * The request's next payload version, compare-and-set on its version. Votes on the old one stop
 * counting: the tally starts again (the editor's approval is recorded right after).
 */
async function bumpPayloadVersion(tx: Tx, approval: ApprovalRow, hash: string): Promise<ApprovalRow> {
  const [bumped] = await tx
    .update(approvalRequests)
    .set({ payloadVersion: approval.payloadVersion + 1, payloadHash: hash, approvalsReceived: 0, version: sql`${approvalRequests.version} + 1` })
    .where(and(eq(approvalRequests.id, approval.id), eq(approvalRequests.version, approval.version), eq(approvalRequests.status, 'pending')))
    .returning();
  if (!bumped) throw new AppError('conflict', 'the approval changed while editing; retry');
  return bumped;
}

export type PayloadChange = { field: string; old: unknown; new: unknown };

/** The fields an edit changes, old → new (fields it sets to their current value are left out). */
export function diffEdits(context: JsonObject, edits: JsonObject): PayloadChange[] {
  return Object.entries(edits)
    .filter(([k, v]) => canonicalJson(context[k] ?? null) !== canonicalJson(v))
    .map(([k, v]) => ({ field: k, old: context[k] ?? null, new: v }));
}

/** 422 unless every edited field is editable and its value matches the input schema. */
export function assertValidEdits(approval: Pick<ApprovalRow, 'editable' | 'inputSchema'>, edits: JsonObject): void {
  if (approval.editable.length === 0) throw new AppError('validation_failed', 'edits: this approval step has no editable fields', [{ path: 'edits', message: 'this approval step has no editable fields' }]);
  const wrong = Object.keys(edits).find((k) => !approval.editable.includes(k));
  if (wrong !== undefined) {
    const message = `is not editable (editable: ${approval.editable.join(', ')})`;
    throw new AppError('validation_failed', `edits.${wrong}: ${message}`, [{ path: `edits.${wrong}`, message }]);
  }
  assertMatchesSchema(editsSchema(approval.inputSchema ?? null, approval.editable), edits, 'edits');
}

/**
 * Applies an approver's edits to a locked request (execution and request locked by the caller):
 * returns the request as it stands afterwards, at version n+1 — or unchanged when the edits change
 * nothing. Refuses like a vote would first (assertMayDecide, the payload version the approver saw),
 * then 422 for edits of fields that are not editable or values the schema refuses.
 */
export async function applyEdits(
  tx: Tx,
  actor: Actor,
  target: LockedApproval,
  edits: JsonObject,
  seenVersion: number | undefined,
  now: Date,
): Promise<LockedApproval> {
  assertMayDecide(actor, target);
  const { execution, approval } = target;
  assertCurrentPayload(approval, seenVersion);
  assertValidEdits(approval, edits);
  const context = execution.context as JsonObject;
  const changes = diffEdits(context, edits);
  if (changes.length === 0) return target;
  const next = { ...context, ...edits };
  assertContextFits(next, 'the edits');
  const hash = payloadHash(next);
  const bumped = await bumpPayloadVersion(tx, approval, hash);
  // The context and the timeline event: the execution's compare-and-set, in the decision's transaction.
  const change = new ExecutionChange(execution);
  change.set({ context: next });
  change.event(
    'payload_edited',
    actor.id,
    approval.stepId,
    {
      approval_id: approval.id,
      from_version: approval.payloadVersion,
      to_version: bumped.payloadVersion,
      payload_hash: hash,
      changes,
      edited_by: actor.id,
      edited_at: now.toISOString(),
    },
    now,
  );
  return { ...target, execution: await change.commit(tx, now), approval: bumped };
}
