import { and, asc, eq, isNotNull } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { hiddenLimit, literalEq } from '../../db/sql/page-first';
import { workflowExecutions } from '../../db/schema';
import { phaseLog, type PhaseCounts, type PhaseOptions } from './phase';
import { SYSTEM_ACTOR } from '../access/permissions';
import { commitChanges } from '../engine/commit-changes';
import { ExecutionChange } from '../engine/execution-change';
import { runExecution, STEPS_PER_TRANSACTION } from '../engine/run-execution';
import { runSteps } from '../engine/run-steps';
import type { JsonObject } from '../engine/execute-step';
import { loadDefinition } from '../engine/workflow-definitions';
import { applyResume } from '../resumer/apply-resume';


/**
 * Claims decided executions (FOR UPDATE SKIP LOCKED: parallel workers split the rows), moves each
 * to running and runs its steps on, all in the claim's transaction — so a claimed execution is
 * either untouched (the transaction never committed: a crashed worker's locks are released and
 * another worker claims it) or resumed and as far along as it goes. The batch is written together;
 * should that fail, each row is written under a savepoint of its own, so a bad row is skipped without
 * undoing the others. An execution with more steps than one
 * transaction takes is committed running with a lease and run on afterwards; should the worker die
 * first, the wake-up phase picks it up once the lease lapses: nothing is lost.
 */
export async function resumeDecidedExecutions(
  db: Db,
  opts: PhaseOptions & { executionId?: string },
): Promise<PhaseCounts & { resumed: number; skipped: number }> {
  const counts = { claimed: 0, errors: 0, resumed: 0, skipped: 0 };
  const log = phaseLog(opts);
  const now = opts.now();
  const runOn = await db.transaction(async (tx) => {
    // The batch walks idx_executions_decided (the status a literal, so a generic plan can use that
    // partial index too); the push path claims its one execution by primary key, no order needed.
    const decided = [literalEq(workflowExecutions.status, 'paused'), isNotNull(workflowExecutions.decidedAt)];
    const claim = opts.executionId
      ? tx.select().from(workflowExecutions).where(and(eq(workflowExecutions.id, opts.executionId), ...decided))
      : tx.select().from(workflowExecutions).where(and(...decided)).orderBy(asc(workflowExecutions.decidedAt));
    const rows = await claim.limit(hiddenLimit(opts.batchSize)).for('update', { skipLocked: true });
    counts.claimed = rows.length;
    // Each row is resumed and run on in memory first; then the whole batch is written in a few
    // statements. Should that fail, each row is written under a savepoint of its own, so one bad row
    // is skipped without undoing the others.
    const resumed: { change: ExecutionChange; done: boolean }[] = [];
    const invalid: ExecutionChange[] = [];
    for (const row of rows) {
      const data = (row.resumeData ?? {}) as JsonObject;
      if (typeof data.approved !== 'boolean') {
        // Not a valid decision (written by hand?): take it off the queue instead of retrying forever.
        counts.skipped++;
        log.warn({ execution_id: row.id }, 'Failed to resume: resume_data.approved is not a boolean');
        const off = new ExecutionChange(row);
        off.set({ decidedAt: null });
        invalid.push(off);
        continue;
      }
      try {
        const change = new ExecutionChange(row);
        await applyResume(tx, change, { data, actor: SYSTEM_ACTOR.id, now, source: 'worker' });
        const done = change.current.status !== 'running' || runSteps(change, await loadDefinition(tx, row.workflowId), SYSTEM_ACTOR.id, now, STEPS_PER_TRANSACTION).done;
        resumed.push({ change, done });
      } catch (e) {
        counts.errors++;
        log.error({ execution_id: row.id, err: (e as Error).message }, 'Failed to resume execution');
      }
    }
    if (invalid.length > 0) await commitChanges(tx, invalid, now);
    let written = resumed;
    try {
      if (resumed.length > 0) await tx.transaction((sp) => commitChanges(sp, resumed.map((r) => r.change), now));
    } catch {
      written = [];
      for (const r of resumed) {
        try {
          await tx.transaction((sp) => commitChanges(sp, [r.change], now));
          written.push(r);
        } catch (e) {
          counts.errors++;
          log.error({ execution_id: r.change.original.id, err: (e as Error).message }, 'Failed to resume execution');
        }
      }
    }
    counts.resumed += written.length;
    const ids = written.filter((r) => !r.done).map((r) => r.change.original.id);
    return ids;
  });
  for (const id of runOn) {
    try {
      await runExecution(db, id, { actor: SYSTEM_ACTOR.id, now: opts.now });
    } catch (e) {
      // The execution is running with a lease; the wake-up phase will retry it.
      counts.errors++;
      log.error({ execution_id: id, err: (e as Error).message }, 'Failed to run resumed execution');
    }
  }
  return counts;
}
