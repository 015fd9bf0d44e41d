-- Accounts and sessions (issue 10, items 3–5).
--
-- users.disabled_at: a disabled user cannot sign in, and their sessions and bound API tokens stop
-- working. users.session_version: copied into the session cookie (JWT) at sign-in and compared on
-- every request; sign-out, a password change and disabling bump it, which ends every session issued
-- before (lib/auth/session-actor.ts).
ALTER TABLE users ADD COLUMN disabled_at timestamp(3) with time zone;
--> statement-breakpoint
ALTER TABLE users ADD COLUMN session_version integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
-- Web processes cache users for sessions (by email, on the wr_users channel) and tokens (on
-- wr_api_tokens, migration 0002). A change that affects what a token may do (role, email, name,
-- disabled, deletion) drops every cached token; any change that affects a session (those, and the
-- session version) drops that user's cached entry. A sign-out bumps only the session version, so it
-- does not empty the token cache.
CREATE OR REPLACE FUNCTION wr_notify_user_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE'
     OR OLD.role IS DISTINCT FROM NEW.role
     OR OLD.email IS DISTINCT FROM NEW.email
     OR OLD.name IS DISTINCT FROM NEW.name
     OR OLD.disabled_at IS DISTINCT FROM NEW.disabled_at THEN
    PERFORM pg_notify('wr_api_tokens', '*');
  END IF;
  PERFORM pg_notify('wr_users', OLD.email);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
DROP TRIGGER IF EXISTS users_changed ON users;
--> statement-breakpoint
CREATE TRIGGER users_changed AFTER UPDATE OF role, email, name, disabled_at, session_version OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION wr_notify_user_change();
--> statement-breakpoint
-- Failed sign-in counters shared by every web instance (lib/auth/sign-in-throttle.ts), in the layout
-- rate-limiter-flexible's PostgreSQL store uses; created here instead of by the library at run time
-- so the web's database role needs no CREATE privilege. key: "<limiter>:<sha256 of the subject>"
-- (no email or address stored in clear); expire: epoch milliseconds when the window ends. Each web
-- process deletes rows expired over an hour ago every five minutes.
CREATE TABLE sign_in_throttle (
  key varchar(255) PRIMARY KEY,
  points integer DEFAULT 0 NOT NULL,
  expire bigint
);
