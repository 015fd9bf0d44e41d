CREATE TABLE "workflows" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"version" integer DEFAULT 1 NOT NULL,
	"definition" jsonb NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflows_key_unique" UNIQUE("key")
);
--> statement-breakpoint
CREATE TABLE "execution_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"execution_id" uuid NOT NULL,
	"type" text NOT NULL,
	"step_id" text,
	"actor" text NOT NULL,
	"data" jsonb,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workflow_executions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workflow_id" uuid NOT NULL,
	"status" text NOT NULL,
	"trigger_payload" jsonb NOT NULL,
	"context" jsonb NOT NULL,
	"current_step_id" text,
	"wake_at" timestamp (3) with time zone,
	"waiting_until" timestamp (3) with time zone,
	"started_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"started_by" text NOT NULL,
	"completed_at" timestamp (3) with time zone,
	"error" text,
	"paused_at" timestamp (3) with time zone,
	"paused_reason" text,
	"paused_step_id" text,
	"next_step_id" text,
	"resume_data" jsonb,
	"resume_count" integer DEFAULT 0 NOT NULL,
	"last_resumed_at" timestamp (3) with time zone,
	"pause_kind" text,
	"paused_by" text,
	"pause_expires_at" timestamp (3) with time zone,
	"decided_at" timestamp (3) with time zone,
	"pause_warned_at" timestamp (3) with time zone,
	"version" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "approval_decisions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"approval_id" uuid NOT NULL,
	"actor" text NOT NULL,
	"decision" text NOT NULL,
	"comment" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "approval_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"execution_id" uuid NOT NULL,
	"step_id" text NOT NULL,
	"reason" text NOT NULL,
	"required_approvals" integer DEFAULT 1 NOT NULL,
	"approver_role" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"approvals_received" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"decided_at" timestamp (3) with time zone,
	"version" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "api_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"token_hash" text NOT NULL,
	"permissions" jsonb NOT NULL,
	"user_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp (3) with time zone,
	"expires_at" timestamp (3) with time zone,
	"revoked_at" timestamp (3) with time zone,
	CONSTRAINT "api_tokens_name_unique" UNIQUE("name"),
	CONSTRAINT "api_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"password_hash" text NOT NULL,
	"role" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"actor" text NOT NULL,
	"key" text NOT NULL,
	"scope" text NOT NULL,
	"request_hash" text NOT NULL,
	"status_code" integer,
	"response" jsonb,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_actor_key_pk" PRIMARY KEY("actor","key")
);
--> statement-breakpoint
CREATE TABLE "worker_heartbeats" (
	"worker_id" text PRIMARY KEY NOT NULL,
	"hostname" text NOT NULL,
	"pid" integer NOT NULL,
	"started_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"last_cycle_at" timestamp (3) with time zone,
	"last_cycle_ms" integer,
	"interval_ms" integer NOT NULL,
	"resumed" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"errors" integer DEFAULT 0 NOT NULL,
	"totals" jsonb
);
--> statement-breakpoint
ALTER TABLE "execution_events" ADD CONSTRAINT "execution_events_execution_id_workflow_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."workflow_executions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD CONSTRAINT "workflow_executions_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_decisions" ADD CONSTRAINT "approval_decisions_approval_id_approval_requests_id_fk" FOREIGN KEY ("approval_id") REFERENCES "public"."approval_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_requests" ADD CONSTRAINT "approval_requests_execution_id_workflow_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."workflow_executions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_events_execution" ON "execution_events" USING btree ("execution_id","id");--> statement-breakpoint
CREATE INDEX "idx_events_type_created" ON "execution_events" USING btree ("type","created_at");--> statement-breakpoint
CREATE INDEX "idx_executions_paused_at" ON "workflow_executions" USING btree ("paused_at","id") WHERE status = 'paused';--> statement-breakpoint
CREATE INDEX "idx_executions_paused_workflow" ON "workflow_executions" USING btree ("workflow_id","paused_at","id") WHERE status = 'paused';--> statement-breakpoint
CREATE INDEX "idx_executions_decided" ON "workflow_executions" USING btree ("decided_at") WHERE status = 'paused' and decided_at is not null;--> statement-breakpoint
CREATE INDEX "idx_executions_pause_expires" ON "workflow_executions" USING btree ("pause_expires_at") WHERE status = 'paused';--> statement-breakpoint
CREATE INDEX "idx_executions_wake" ON "workflow_executions" USING btree ("wake_at") WHERE status = 'running' and wake_at is not null;--> statement-breakpoint
CREATE INDEX "idx_executions_started" ON "workflow_executions" USING btree ("started_at","id");--> statement-breakpoint
CREATE INDEX "idx_executions_status_started" ON "workflow_executions" USING btree ("status","started_at","id");--> statement-breakpoint
CREATE INDEX "idx_executions_workflow_started" ON "workflow_executions" USING btree ("workflow_id","started_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_decisions_approval_actor" ON "approval_decisions" USING btree ("approval_id","actor");--> statement-breakpoint
CREATE INDEX "idx_decisions_created" ON "approval_decisions" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "idx_approvals_status_created" ON "approval_requests" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_approvals_pending_execution" ON "approval_requests" USING btree ("execution_id") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "idx_approvals_execution" ON "approval_requests" USING btree ("execution_id");