-- Typed and bound decisions (issue 13): a request keeps the step's input schema and editable fields,
-- and the version and hash of the payload the approver is shown; a vote records the version it was
-- cast on (votes on an older version are stale: kept, shown, not counted) and the data it carried.
ALTER TABLE "approval_requests" ADD COLUMN "payload_version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "approval_requests" ADD COLUMN "payload_hash" text;--> statement-breakpoint
ALTER TABLE "approval_requests" ADD COLUMN "input_schema" jsonb;--> statement-breakpoint
ALTER TABLE "approval_requests" ADD COLUMN "editable" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "approval_decisions" ADD COLUMN "payload_version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "approval_decisions" ADD COLUMN "data" jsonb;--> statement-breakpoint
-- One vote per person and payload version: after an edit everyone may (must) vote again on the new one.
DROP INDEX "uq_decisions_approval_actor";--> statement-breakpoint
CREATE UNIQUE INDEX "uq_decisions_approval_actor" ON "approval_decisions" USING btree ("approval_id", "actor", "payload_version");
