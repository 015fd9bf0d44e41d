import type { Statement } from './index';

// One statement claims a batch: due rows (SKIP LOCKED, so workers split them), their next attempt
// pushed out by the lease and the attempt counted. $1 now, $2 batch size, $3 lease end.
export const NOTIFICATIONS_CLAIM: Statement = {
  name: 'wr_notifications_claim',
  text: `with due as (
  select id from notifications
   where status = 'pending' and next_attempt_at <= $1::timestamptz
   order by next_attempt_at
   limit $2::int
   for update skip locked
)
update notifications n set attempts = n.attempts + 1, next_attempt_at = $3::timestamptz
  from due where n.id = due.id
returning n.*`,
};

// Kept in outbox mode (the message is the delivery: admins read it there, link included); dropped
// otherwise, so the database keeps no usable link once the mail is out.
export const NOTIFICATIONS_SENT: Statement = {
  name: 'wr_notifications_sent',
  text: `update notifications
   set status = 'sent', sent_at = $2::timestamptz, delivered_via = $3::text, last_error = null,
       link_token = case when $3::text = 'outbox' then link_token end
 where id = $1::uuid and status = 'pending'`,
};

export const NOTIFICATIONS_FAILED: Statement = {
  name: 'wr_notifications_failed',
  text: `update notifications
   set status = case when attempts >= $4::int then 'failed' else 'pending' end,
       next_attempt_at = $2::timestamptz, last_error = $3::text
 where id = $1::uuid and status = 'pending'`,
};
