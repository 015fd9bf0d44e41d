-- A form built from a JSON Schema shows its fields in the order of `properties`, the order the
-- workflow's author wrote them in. jsonb keeps no key order (it sorts keys by length, then bytes:
-- "note" came before "cost_center" in the approver's dialog), so the two columns that hold schemas
-- become json, which stores the text as written. Nothing queries inside either column (no
-- operator, index or trigger uses them). Rows written before this keep the order jsonb gave them.
-- Both statements rewrite their table under an exclusive lock: brief for workflows; for
-- approval_requests, proportional to the requests kept.
ALTER TABLE workflows ALTER COLUMN definition TYPE json USING definition::json;--> statement-breakpoint
ALTER TABLE approval_requests ALTER COLUMN input_schema TYPE json USING input_schema::json;
