-- Who is asked to decide changes the approvers' "Needs my decision" lists, so it is announced on
-- wr_console_changes like everything else an open page shows (migration 0005):
-- an escalation adds people to a pending request (approval_requests.escalated_to), and a delegation
-- set, changed or ended hands a person's requests to someone else (the delegations table).
-- A delegation's message names nobody ({"k":"d"}): every console refetches its own list.
DROP TRIGGER IF EXISTS approvals_changed_notify ON approval_requests;--> statement-breakpoint
CREATE TRIGGER approvals_changed_notify AFTER UPDATE ON approval_requests
  FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status
        OR OLD.approvals_received IS DISTINCT FROM NEW.approvals_received
        OR OLD.escalated_to IS DISTINCT FROM NEW.escalated_to)
  EXECUTE FUNCTION wr_notify_approval_changed();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION wr_notify_delegation_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('wr_console_changes', '{"k":"d"}');
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER delegations_changed_notify AFTER INSERT OR UPDATE OR DELETE ON delegations
  FOR EACH STATEMENT EXECUTE FUNCTION wr_notify_delegation_changed();
