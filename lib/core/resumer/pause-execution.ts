import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { queryNamed, rowMapper, type Db } from '../../db/client';
import { workflowExecutions, type ExecutionRow } from '../../db/schema';
import { env } from '../../env';
import type { Actor } from '../access/permissions';
import { canTransition } from '../engine/state-machine';
import { AppError } from '../errors';
import { toExecutionDto } from '../executions/execution-dto';
import { isUuid } from '../ids';

export const DEFAULT_PAUSE_REASON = 'Paused manually';

export const ZPauseExecution = z.strictObject({ reason: z.string().trim().min(1).max(1000).optional() });
export type PauseExecutionInput = z.infer<typeof ZPauseExecution>;

// The statement below encodes this transition in its WHERE clause; the state machine stays the one
// place that allows it.
if (!canTransition('running', 'paused')) throw new Error('the state machine no longer allows running → paused; update pauseExecution');

const fromDriver = rowMapper<ExecutionRow>(workflowExecutions);

// $1 id, $2 now, $3 reason, $4 actor, $5 pause expiry.
const PAUSE_SQL = `
    with paused as (
      update workflow_executions
         set status = 'paused', wake_at = null, paused_at = $2::timestamptz, paused_reason = $3::text,
             paused_step_id = current_step_id, next_step_id = current_step_id, pause_kind = 'manual', paused_by = $4::text,
             pause_expires_at = $5::timestamptz, decided_at = null, pause_warned_at = null,
             version = version + 1, updated_at = $2::timestamptz
       where id = $1::uuid and status = 'running'
       returning *
    ), event as (
      insert into execution_events (execution_id, type, step_id, actor, data, created_at)
      select id, 'paused', current_step_id, $4::text,
             jsonb_build_object('reason', $3::text, 'kind', 'manual',
               'sleeping_until', to_char(waiting_until at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
             $2::timestamptz
      from paused
    )
    select * from paused`;

/**
 * Pauses a running execution — also one sleeping in a wait step. It takes effect at the step
 * boundary: a step in flight holds the row lock, so this waits for it to commit, and the next step
 * sees the pause and does not start.
 *
 * One statement, one round trip: the compare-and-set UPDATE (status must still be running when the
 * row lock is ours — PostgreSQL re-checks the WHERE clause after waiting for a concurrent writer)
 * and the timeline event commit together. Only a refusal costs a second query, to say why.
 */
export async function pauseExecution(db: Db, actor: Actor, id: string, input: PauseExecutionInput = {}, now = new Date()) {
  if (!isUuid(id)) throw new AppError('not_found', `execution ${id} not found`);
  const reason = input.reason ?? DEFAULT_PAUSE_REASON;
  const expiresAt = new Date(now.getTime() + env().PAUSE_MAX_DURATION);
  const at = now.toISOString();
  const rows = await queryNamed(db, 'wr_pause_execution', PAUSE_SQL, [id, at, reason, actor.id, expiresAt.toISOString()]);
  const raw = rows[0];
  if (!raw) {
    const [cur] = await db.select({ status: workflowExecutions.status }).from(workflowExecutions).where(eq(workflowExecutions.id, id));
    if (!cur) throw new AppError('not_found', `execution ${id} not found`);
    throw new AppError('not_running', `execution is ${cur.status}; only running executions can be paused`);
  }
  return toExecutionDto(fromDriver(raw));
}
