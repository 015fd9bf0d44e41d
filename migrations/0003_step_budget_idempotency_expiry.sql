-- Every step an execution runs is counted, so a definition that loops (one stored before loops
-- without a pause were refused) ends as failed at MAX_STEPS_PER_EXECUTION instead of running
-- forever. A constant default: no table rewrite.
ALTER TABLE "workflow_executions" ADD COLUMN "steps_run" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Idempotency keys expire after IDEMPOTENCY_TTL; the worker deletes the expired ones oldest first.
CREATE INDEX "idx_idempotency_created" ON "idempotency_keys" USING btree ("created_at");
