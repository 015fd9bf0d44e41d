import { NOTIFICATION_STATUS_COLUMNS } from '../schema';
import { jsonObjectOf, type Statement } from './index';

/** The execution of an approval request, locked first (the lock order of a resume), with its workflow's name. $1 approval. */
export const DECIDE_LOCK_EXECUTION: Statement = {
  name: 'wr_decide_lock_execution',
  text: `select e.*, w.name as wr_workflow_name
  from workflow_executions e join workflows w on w.id = e.workflow_id
 where e.id = (select execution_id from approval_requests where id = $1::uuid)
   for update of e`,
};

const DECISIONS_SO_FAR = `coalesce((select json_agg(d order by d.created_at, d.id) from approval_decisions d where d.approval_id = a.id), '[]'::json) as wr_decisions`;

/**
 * The request's messages so far (their delivery status, no bodies), each mail with its recipient's
 * name when the recipient is a user: the decision's "no action needed" mail goes to those asked, and
 * the answer shows them — read here instead of in three more round trips.
 */
const NOTIFICATIONS_SO_FAR = `coalesce((select json_agg(${jsonObjectOf(NOTIFICATION_STATUS_COLUMNS, 'n', { wr_user_name: 'u.name' })} order by n.created_at, n.id)
    from notifications n left join users u on n.channel = 'email' and u.email = n.recipient
   where n.approval_id = a.id), '[]'::json) as wr_notifications`;

/** The request, locked, with the decisions and messages so far. $1 approval. */
export const DECIDE_LOCK_APPROVAL: Statement = {
  name: 'wr_decide_lock_approval',
  text: `select a.*, ${DECISIONS_SO_FAR},
       ${NOTIFICATIONS_SO_FAR}
  from approval_requests a
 where a.id = $1::uuid
   for update of a`,
};

/** The pending request of an execution whose row lock the caller holds (a resume of an approval pause). $1 execution. */
export const DECIDE_LOCK_PENDING_OF_EXECUTION: Statement = {
  name: 'wr_decide_lock_pending_of',
  text: `select a.*, ${DECISIONS_SO_FAR},
       ${NOTIFICATIONS_SO_FAR}
  from approval_requests a
 where a.execution_id = $1::uuid and a.status = 'pending'
   for update of a`,
};

/**
 * The decision, the request's new tally (compare-and-set on its version) and the timeline event in
 * one statement. $1 approval, $2 actor, $3 decision, $4 comment, $5 now, $6 approvals received,
 * $7 status, $8 decided_at, $9 the request's version as read, $10 execution, $11 step, $12 event
 * type, $13 event data, $14 on whose behalf a delegate decides, $15 the payload version voted on,
 * $16 the decision's data (issue 13).
 */
export const DECIDE_RECORD: Statement = {
  name: 'wr_decide_record',
  text: `with mine as (
  insert into approval_decisions (approval_id, actor, decision, comment, created_at, on_behalf_of, payload_version, data)
  values ($1::uuid, $2::text, $3::text, $4::text, $5::timestamptz, $14::text, $15::int, $16::jsonb)
  returning *
), changed as (
  update approval_requests
     set approvals_received = $6::int, status = $7::text, decided_at = $8::timestamptz, version = version + 1
   where id = $1::uuid and version = $9::int
  returning *
), event as (
  insert into execution_events (execution_id, type, step_id, actor, data, created_at)
  select $10::uuid, $12::text, $11::text, $2::text, $13::jsonb, $5::timestamptz from changed
)
select (select to_json(mine) from mine) as wr_mine, (select to_json(changed) from changed) as wr_changed`,
};
