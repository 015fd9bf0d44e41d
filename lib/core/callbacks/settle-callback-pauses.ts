import { and, asc, eq, gt, ne, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client';
import { callbacks, workflowExecutions } from '../../db/schema';
import { CLEARED_PAUSE, type ExecutionChange } from '../engine/execution-change';
import { STEPS_PER_TRANSACTION } from '../engine/run-execution';
import { runSteps } from '../engine/run-steps';
import { loadDefinition } from '../engine/workflow-definitions';
import { applyResume } from '../resumer/apply-resume';
import { lockCallbackKey } from './key-lock';
import { assertMatchesSchema } from '../approvals/input-schema';
import type { CompiledDefinition } from '../engine/definition';
import { AppError } from '../errors';

/** Why `data` does not match the input_schema of the pause step `stepId` (null: it matches, or there is none). */
function inputSchemaProblem(def: CompiledDefinition, stepId: string | null, data: Record<string, unknown>): string | null {
  const step = stepId ? def.byId.get(stepId) : undefined;
  if (step?.type !== 'pause' || !step.input_schema) return null;
  try {
    assertMatchesSchema(step.input_schema, data, 'resume_data');
    return null;
  } catch (err) {
    if (err instanceof AppError) return err.message;
    throw err;
  }
}

/** Held callbacks one transaction may consume for one execution (a loop of keyed pauses). */
const MAX_CONSUMED_PER_CHANGE = 20;

/** Events of `change` already settled (a consumed callback can lead to another keyed pause). */
const settledUpTo = new WeakMap<ExecutionChange, number>();

function lastPausedEvent(change: ExecutionChange): number {
  for (let i = change.events.length - 1; i >= 0; i--) if (change.events[i]!.type === 'paused') return i;
  return -1;
}

/** Whether the change pauses on a callback key it has not yet been checked for (in this write). */
export function pausesOnNewKey(change: ExecutionChange): boolean {
  const row = change.current;
  return row.status === 'paused' && row.callbackKey !== null && row.callbackKey !== undefined && lastPausedEvent(change) >= (settledUpTo.get(change) ?? 0);
}

export function isTransaction(tx: DbOrTx): tx is Tx {
  return typeof (tx as { rollback?: unknown }).rollback === 'function';
}

/**
 * Called by the engine's write (commitChanges) in the pausing transaction, before anything is
 * written, for each change that pauses on a callback key. Under the key's lock:
 * - another execution already paused on the key → this one fails with `callback_key_in_use`, naming it;
 * - a callback held for the key → consumed by this execution (exactly once: the row moves from held
 *   to consumed in this transaction), which resumes with its resume_data exactly as a resume would
 *   (applyResume) and runs on at once.
 * The partial unique index uq_executions_paused_callback_key backs the first rule.
 */
export async function settleCallbackPauses(tx: Tx, changes: readonly ExecutionChange[], now: Date): Promise<void> {
  const keyed = changes.filter(pausesOnNewKey).sort((a, b) => (a.current.callbackKey! < b.current.callbackKey! ? -1 : 1));
  for (const change of keyed) {
    for (let i = 0; i < MAX_CONSUMED_PER_CHANGE && pausesOnNewKey(change); i++) {
      settledUpTo.set(change, change.events.length);
      const key = change.current.callbackKey!;
      const stepId = change.current.pausedStepId;
      await lockCallbackKey(tx, key);
      const [holder] = await tx
        .select({ id: workflowExecutions.id })
        .from(workflowExecutions)
        .where(and(eq(workflowExecutions.callbackKey, key), sql`${workflowExecutions.status} = 'paused'`, ne(workflowExecutions.id, change.original.id)))
        .limit(1);
      if (holder) {
        const error = `callback_key_in_use: execution ${holder.id} is already paused on callback key "${key}"`;
        change.set({ ...CLEARED_PAUSE, status: 'failed', completedAt: now, wakeAt: null, waitingUntil: null, error });
        change.event('failed', change.current.pausedBy ?? 'system:worker', stepId, { error, reason: 'callback_key_in_use', callback_key: key, holder: holder.id }, now);
        break;
      }
      const [waiting] = await tx
        .select()
        .from(callbacks)
        .where(and(eq(callbacks.key, key), eq(callbacks.status, 'held'), gt(callbacks.expiresAt, now)))
        .orderBy(asc(callbacks.createdAt))
        .limit(1)
        .for('update');
      if (!waiting) break;
      // The pause's input_schema judges a held callback as it judges a resume through the API: one
      // that does not match is refused (visibly: the callback's status and reason, the timeline) and
      // the execution waits on for a callback that does.
      const problem = inputSchemaProblem(await loadDefinition(tx, change.current.workflowId), stepId, waiting.resumeData);
      if (problem) {
        await tx
          .update(callbacks)
          .set({ status: 'refused', consumedAt: now, consumedBy: change.original.id, refusedReason: problem })
          .where(and(eq(callbacks.id, waiting.id), eq(callbacks.status, 'held')));
        change.event('callback_refused', waiting.sentBy, stepId, { callback_id: waiting.id, callback_key: key, reason: problem }, now);
        break;
      }
      const [consumed] = await tx
        .update(callbacks)
        .set({ status: 'consumed', consumedAt: now, consumedBy: change.original.id })
        .where(and(eq(callbacks.id, waiting.id), eq(callbacks.status, 'held')))
        .returning();
      if (!consumed) break;
      change.event(
        'callback_consumed',
        consumed.sentBy,
        stepId,
        { callback_id: consumed.id, callback_key: key, sent_at: consumed.createdAt.toISOString(), held_until: consumed.expiresAt.toISOString() },
        now,
      );
      await applyResume(tx, change, { data: consumed.resumeData, actor: consumed.sentBy, now, source: 'worker' });
      if (change.current.status === 'running') runSteps(change, await loadDefinition(tx, change.current.workflowId), consumed.sentBy, now, STEPS_PER_TRANSACTION);
    }
  }
}
