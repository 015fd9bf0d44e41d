-- Reaching the approver (issue 12): who is asked, delegation, decision links, the notification
-- outbox, and the follow-up timer (reminders, escalation) of each pending request.

-- Who is asked: people named by the step (`assignees`), and people added by an escalation. The
-- follow-up timer is the next reminder or the escalation, whichever is due first; the worker claims
-- due requests on idx_approvals_follow_up.
ALTER TABLE "approval_requests" ADD COLUMN "assigned_to" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "approval_requests" ADD COLUMN "escalated_to" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "approval_requests" ADD COLUMN "reminders_sent" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "approval_requests" ADD COLUMN "escalated_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "approval_requests" ADD COLUMN "follow_up_at" timestamp (3) with time zone;--> statement-breakpoint
CREATE INDEX "idx_approvals_follow_up" ON "approval_requests" USING btree ("follow_up_at") WHERE status = 'pending' and follow_up_at is not null;--> statement-breakpoint
-- Time to decision (ops page, workflow_resumer_decision_seconds): final decisions by time.
CREATE INDEX "idx_approvals_decided_at" ON "approval_requests" USING btree ("decided_at") WHERE status in ('approved', 'rejected');--> statement-breakpoint

-- A delegate's vote names the person it was cast for; one vote per person counts either.
ALTER TABLE "approval_decisions" ADD COLUMN "on_behalf_of" text;--> statement-breakpoint
CREATE INDEX "idx_decisions_actor_created" ON "approval_decisions" USING btree ("actor", "created_at");--> statement-breakpoint

-- One active delegation per person: while `until` is ahead, requests assigned to `user_email` are
-- also assigned to `to_email`.
CREATE TABLE "delegations" (
	"user_email" text PRIMARY KEY NOT NULL,
	"to_email" text NOT NULL,
	"until" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "delegations_not_self" CHECK (user_email <> to_email)
);--> statement-breakpoint
CREATE INDEX "idx_delegations_to" ON "delegations" USING btree ("to_email");--> statement-breakpoint

-- A decision link: a random token (only its SHA-256 is stored) that acts as `recipient` for one
-- approval request until it is used, expires, or the request is no longer theirs to decide.
CREATE TABLE "decision_links" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"token_hash" text NOT NULL,
	"approval_id" uuid NOT NULL,
	"recipient" text NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"used_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "decision_links_token_hash_unique" UNIQUE("token_hash")
);--> statement-breakpoint
ALTER TABLE "decision_links" ADD CONSTRAINT "decision_links_approval_id_approval_requests_id_fk" FOREIGN KEY ("approval_id") REFERENCES "public"."approval_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_decision_links_approval" ON "decision_links" USING btree ("approval_id");--> statement-breakpoint

-- The outbox: one row per message (recipient × channel), written in the transaction that opens,
-- reminds, escalates or decides a request. Its id is the message's stable id (Message-ID, webhook
-- id) across retries. The worker claims due rows (idx_notifications_due), pushes the next attempt
-- out by a lease while it delivers, and records the outcome.
CREATE TABLE "notifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"approval_id" uuid NOT NULL,
	"execution_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"channel" text NOT NULL,
	"recipient" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"next_attempt_at" timestamp (3) with time zone NOT NULL,
	"sent_at" timestamp (3) with time zone,
	"delivered_via" text,
	"subject" text NOT NULL,
	"text_body" text NOT NULL,
	"html_body" text,
	"payload" jsonb,
	"link_id" uuid,
	"link_token" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_approval_id_approval_requests_id_fk" FOREIGN KEY ("approval_id") REFERENCES "public"."approval_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_execution_id_workflow_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."workflow_executions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_link_id_decision_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."decision_links"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_notifications_due" ON "notifications" USING btree ("next_attempt_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "idx_notifications_approval" ON "notifications" USING btree ("approval_id");--> statement-breakpoint
CREATE INDEX "idx_notifications_created" ON "notifications" USING btree ("created_at", "id");
