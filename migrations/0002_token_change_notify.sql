-- Web processes keep recently authenticated API tokens in memory (lib/core/access/token-cache.ts).
-- Any change to a token row (revoked, expiry moved, deleted — also by hand in psql, or by a user's
-- cascade delete) and any change to a user (role, deletion) is announced on the wr_api_tokens channel
-- when its transaction commits, so every web process drops the stale entry at once.
CREATE OR REPLACE FUNCTION wr_notify_api_token_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('wr_api_tokens', OLD.token_hash);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION wr_notify_user_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Tokens carry their user's role: a user change invalidates every cached token (rare).
  PERFORM pg_notify('wr_api_tokens', '*');
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER api_tokens_changed AFTER UPDATE OF revoked_at, expires_at, permissions, user_id, token_hash OR DELETE ON api_tokens
  FOR EACH ROW EXECUTE FUNCTION wr_notify_api_token_change();
--> statement-breakpoint
CREATE TRIGGER users_changed AFTER UPDATE OF role, email, name OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION wr_notify_user_change();
