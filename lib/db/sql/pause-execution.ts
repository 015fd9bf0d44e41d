import type { Statement } from './index';

/**
 * The manual pause in one statement, reading nothing first: the compare-and-set is on the status
 * (PostgreSQL re-checks the WHERE clause after waiting for a concurrent writer's row lock), the
 * timeline event is inserted from the updated row. $1 id, $2 now, $3 reason, $4 actor, $5 pause
 * expiry, $6 the statuses a pause may start from (the state machine's sourcesOf('paused')).
 */
export const PAUSE_EXECUTION: Statement = {
  name: 'wr_pause_execution',
  text: `
    with paused as (
      update workflow_executions
         set status = 'paused', wake_at = null, paused_at = $2::timestamptz, paused_reason = $3::text,
             paused_step_id = current_step_id, next_step_id = current_step_id, pause_kind = 'manual', paused_by = $4::text,
             pause_expires_at = $5::timestamptz, decided_at = null, pause_warned_at = null,
             version = version + 1, updated_at = $2::timestamptz
       where id = $1::uuid and status = any($6::text[])
       returning *
    ), event as (
      insert into execution_events (execution_id, type, step_id, actor, data, created_at)
      select id, 'paused', current_step_id, $4::text,
             jsonb_build_object('reason', $3::text, 'kind', 'manual',
               'sleeping_until', to_char(waiting_until at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
             $2::timestamptz
      from paused
    )
    select * from paused`,
};
