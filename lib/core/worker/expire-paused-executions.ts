import { and, asc, eq, isNull, lte } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client';
import { hiddenLimit, hiddenSql, literalEq } from '../../db/sql/page-first';
import { approvalRequests, workflowExecutions, type ExecutionRow } from '../../db/schema';
import { SYSTEM_ACTOR } from '../access/permissions';
import { CLEARED_PAUSE, ExecutionChange } from '../engine/execution-change';
import { runExecution } from '../engine/run-execution';
import { loadDefinition } from '../engine/workflow-definitions';
import { applyResume } from '../resumer/apply-resume';
import { notifyDecided } from '../notifications/outbox';
import { phaseLog, type PhaseCounts, type PhaseOptions } from './phase';

type OnTimeout = 'reject' | 'approve' | 'fail';

async function expireOne(tx: Tx, row: ExecutionRow, now: Date): Promise<'running' | 'ended'> {
  const actor = SYSTEM_ACTOR.id;
  let onTimeout: OnTimeout | null = null;
  let approvalId: string | null = null;
  if (row.pauseKind === 'approval') {
    const def = await loadDefinition(tx, row.workflowId);
    const step = row.pausedStepId ? def.byId.get(row.pausedStepId) : undefined;
    onTimeout = step?.type === 'approval' ? (step.on_timeout ?? 'reject') : 'reject';
    const [pending] = await tx
      .update(approvalRequests)
      .set({ status: 'expired', decidedAt: now })
      .where(and(eq(approvalRequests.executionId, row.id), eq(approvalRequests.status, 'pending')))
      .returning({ id: approvalRequests.id });
    approvalId = pending?.id ?? null;
    if (approvalId) await notifyDecided(tx, approvalId, now);
  }
  // One change for the whole expiry: the `expired` event first, then the resume or the end.
  const change = new ExecutionChange(row);
  change.event('expired', actor, row.pausedStepId, { paused_at: row.pausedAt?.toISOString() ?? null, on_timeout: onTimeout, approval_id: approvalId }, now);

  if (onTimeout === 'approve' || (onTimeout === 'reject' && row.pausedStepId)) {
    const def = await loadDefinition(tx, row.workflowId);
    const step = row.pausedStepId ? def.byId.get(row.pausedStepId) : undefined;
    const hasRejectBranch = step?.type === 'approval' && step.on_reject !== undefined;
    if (onTimeout === 'approve' || hasRejectBranch) {
      await applyResume(tx, change, {
        data: { approved: onTimeout === 'approve', approval_id: approvalId, decided_by: actor, timed_out: true, decided_at: now.toISOString() },
        actor,
        now,
        source: 'worker',
      });
      const updated = await change.commit(tx, now);
      return updated.status === 'running' ? 'running' : 'ended';
    }
  }
  const status = onTimeout === 'fail' ? 'failed' : 'expired';
  change.end(status, now, { ...CLEARED_PAUSE, error: status === 'failed' ? 'approval timed out' : 'pause expired' });
  if (status === 'failed') change.event('failed', actor, row.pausedStepId, { error: 'approval timed out' }, now);
  await change.commit(tx, now);
  return 'ended';
}

/**
 * Ends pauses older than their limit (a step's `timeout`, else PAUSE_MAX_DURATION): approvals
 * follow their `on_timeout` (default reject); anything else becomes `expired`. Decided executions
 * are left to the resume phase — a decision that arrived in time is honoured.
 */
export async function expirePausedExecutions(db: Db, opts: PhaseOptions): Promise<PhaseCounts & { expired: number }> {
  const counts = { claimed: 0, errors: 0, expired: 0 };
  const log = phaseLog(opts);
  const now = opts.now();
  const toRun = await db.transaction(async (tx) => {
    const rows = await tx
      .select()
      .from(workflowExecutions)
      .where(and(literalEq(workflowExecutions.status, 'paused'), lte(workflowExecutions.pauseExpiresAt, hiddenSql(now, 'timestamptz')), isNull(workflowExecutions.decidedAt)))
      .orderBy(asc(workflowExecutions.pauseExpiresAt))
      .limit(hiddenLimit(opts.batchSize))
      .for('update', { skipLocked: true });
    counts.claimed = rows.length;
    const ids: string[] = [];
    for (const row of rows) {
      try {
        const r = await tx.transaction((sp) => expireOne(sp, row, now));
        counts.expired++;
        log.info({ execution_id: row.id, paused_at: row.pausedAt }, 'Paused execution expired');
        if (r === 'running') ids.push(row.id);
      } catch (e) {
        counts.errors++;
        log.error({ execution_id: row.id, err: (e as Error).message }, 'Failed to expire execution');
      }
    }
    return ids;
  });
  for (const id of toRun) {
    try {
      await runExecution(db, id, { actor: SYSTEM_ACTOR.id, now: opts.now });
    } catch (e) {
      counts.errors++;
      log.error({ execution_id: id, err: (e as Error).message }, 'Failed to run expired execution on');
    }
  }
  return counts;
}
