-- Callbacks by key and recover (issue 13). A `pause` step may wait on a key (`callback_key`); a key
-- is waited on by at most one paused execution at a time — the partial unique index enforces it
-- whatever the application does (lib/core/callbacks/settle-callback-pauses.ts checks first and says who).
ALTER TABLE "workflow_executions" ADD COLUMN "callback_key" text;--> statement-breakpoint
CREATE UNIQUE INDEX "uq_executions_paused_callback_key" ON "workflow_executions" USING btree ("callback_key") WHERE status = 'paused' and callback_key is not null;--> statement-breakpoint

-- A callback that arrived before any execution waited on its key: held until CALLBACK_HOLD passes,
-- consumed exactly once by the first execution that pauses on the key (in the pausing transaction),
-- or marked expired by the worker; refused (with the reason) when the pause that would consume it
-- declares an input_schema its resume_data does not match. At most one held callback per key.
CREATE TABLE "callbacks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"key" text NOT NULL,
	"status" text DEFAULT 'held' NOT NULL,
	"resume_data" jsonb NOT NULL,
	"sent_by" text NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"consumed_at" timestamp (3) with time zone,
	"consumed_by" uuid,
	"expired_at" timestamp (3) with time zone,
	"refused_reason" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "callbacks_status_check" CHECK (status in ('held', 'consumed', 'expired', 'refused'))
);--> statement-breakpoint
ALTER TABLE "callbacks" ADD CONSTRAINT "callbacks_consumed_by_workflow_executions_id_fk" FOREIGN KEY ("consumed_by") REFERENCES "public"."workflow_executions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "uq_callbacks_held_key" ON "callbacks" USING btree ("key") WHERE status = 'held';--> statement-breakpoint
CREATE INDEX "idx_callbacks_held_expires" ON "callbacks" USING btree ("expires_at") WHERE status = 'held';--> statement-breakpoint
CREATE INDEX "idx_callbacks_status_created" ON "callbacks" USING btree ("status", "created_at", "id");--> statement-breakpoint
CREATE INDEX "idx_callbacks_created" ON "callbacks" USING btree ("created_at", "id");
