import { workflowExecutions } from '../schema';
import { columnsOf, type Statement } from './index';

/** The new row of a start (no query building per start): $1 workflow id, $2 trigger payload (also the first context), $3 first step, $4 lease, $5 now, $6 actor. */
export const INSERT_EXECUTION: Statement = {
  name: 'wr_start_insert',
  text: `insert into workflow_executions (workflow_id, status, trigger_payload, context, current_step_id, wake_at, started_at, started_by, updated_at)
values ($1::uuid, 'running', $2::jsonb, $2::jsonb, $3, $4::timestamptz, $5::timestamptz, $6, $5::timestamptz)
returning ${columnsOf(workflowExecutions)}`,
};
