import { approvalDecisions, approvalRequests, executionEvents, workflowExecutions } from '../schema';
import { columnsOf, type Statement } from './index';

/** How many of the newest events GET /executions/{id} carries; older ones are paged. */
export const TIMELINE_PAGE = 50;

/**
 * The detail in one round trip: the execution with its workflow's name and key, the newest
 * TIMELINE_PAGE + 1 events (the extra one says whether older ones exist), its approval requests and
 * their decisions, each set as a JSON array built by PostgreSQL. A fixed statement, sent as a named
 * prepared statement (parsed and planned once per connection). It was five statements built by
 * drizzle per request, in three waves of round trips.
 */
export const EXECUTION_DETAIL: Statement = {
  name: 'wr_execution_detail',
  text: `select ${columnsOf(workflowExecutions, 'e')}, w.name as wr_workflow_name, w.key as wr_workflow_key,
       (select coalesce(json_agg(x order by x.id desc), '[]'::json)
          from (select ${columnsOf(executionEvents, 'ev')} from execution_events ev where ev.execution_id = e.id order by ev.id desc limit ${TIMELINE_PAGE + 1}) x) as wr_events,
       (select coalesce(json_agg(x order by x.created_at), '[]'::json)
          from (select ${columnsOf(approvalRequests, 'a')} from approval_requests a where a.execution_id = e.id) x) as wr_approvals,
       (select coalesce(json_agg(x order by x.created_at), '[]'::json)
          from (select ${columnsOf(approvalDecisions, 'd')} from approval_decisions d join approval_requests a on a.id = d.approval_id where a.execution_id = e.id) x) as wr_decisions
  from workflow_executions e
  join workflows w on w.id = e.workflow_id
 where e.id = $1::uuid`,
};
