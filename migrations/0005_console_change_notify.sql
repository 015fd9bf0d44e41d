-- The console's live updates (GET /api/v1/events, lib/api/change-stream.ts): every change an open
-- page shows — an execution's status, its pause, its decision, an approval's tally — is announced on
-- the wr_console_changes channel when its transaction commits, whoever made it (web, worker, psql),
-- and so is each worker heartbeat (the ops page's worker panel).
-- Payloads are tiny JSON (ids and a status); the console refetches what it shows.
--
-- Inserts are announced once per statement (bulk loads of a million rows send one "many"), updates
-- per row, and only when a column the console shows changed (the WHEN clause is checked without
-- calling the function, so a step's context write or a lease renewal costs nothing).
CREATE OR REPLACE FUNCTION wr_notify_executions_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  n int;
BEGIN
  SELECT count(*) INTO n FROM (SELECT 1 FROM wr_new_rows LIMIT 21) few;
  IF n > 20 THEN
    PERFORM pg_notify('wr_console_changes', '{"k":"e","many":true}');
  ELSIF n > 0 THEN
    PERFORM pg_notify('wr_console_changes', json_build_object('k', 'e', 'id', id, 's', status)::text) FROM wr_new_rows;
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION wr_notify_execution_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('wr_console_changes', json_build_object('k', 'e', 'id', NEW.id, 's', NEW.status)::text);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION wr_notify_approval_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('wr_console_changes', json_build_object('k', 'a', 'id', NEW.id, 'e', NEW.execution_id, 's', NEW.status)::text);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION wr_notify_worker_heartbeat() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- One row per worker process, written once a cycle (a minute by default): the ops page's worker panel.
  PERFORM pg_notify('wr_console_changes', '{"k":"w"}');
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER executions_inserted_notify AFTER INSERT ON workflow_executions
  REFERENCING NEW TABLE AS wr_new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION wr_notify_executions_inserted();
--> statement-breakpoint
CREATE TRIGGER executions_changed_notify AFTER UPDATE ON workflow_executions
  FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status
        OR OLD.decided_at IS DISTINCT FROM NEW.decided_at
        OR OLD.paused_at IS DISTINCT FROM NEW.paused_at
        OR OLD.waiting_until IS DISTINCT FROM NEW.waiting_until)
  EXECUTE FUNCTION wr_notify_execution_changed();
--> statement-breakpoint
CREATE TRIGGER approvals_changed_notify AFTER UPDATE ON approval_requests
  FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.approvals_received IS DISTINCT FROM NEW.approvals_received)
  EXECUTE FUNCTION wr_notify_approval_changed();
--> statement-breakpoint
CREATE TRIGGER worker_heartbeats_notify AFTER INSERT OR UPDATE ON worker_heartbeats
  FOR EACH ROW EXECUTE FUNCTION wr_notify_worker_heartbeat();
