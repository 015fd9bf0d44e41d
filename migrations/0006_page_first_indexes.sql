-- Hot lists and claims choose their page from an index first (lib/db/page-first.ts; docs/benchmarks.md,
-- "Plans that do not depend on statistics"). Inside a LIMIT-ed page subquery PostgreSQL still picks
-- how to read the one table: walk an index already in the page's order and stop, or read every match
-- from another index and sort. Right after a burst of pauses the statistics expect a handful of paused
-- rows, and "read them all and sort" looks as cheap as the walk — in truth it reads every paused row.
-- So each statement is left exactly one index that serves it, already in its order: the predicates
-- below are written so that only the statement an index is made for can prove them.
--
-- The paused list (`status = 'paused' and pause_kind is not null`, oldest first). Every pause has a
-- kind; the worker's claims do not say so, and so cannot read this index and sort it.
DROP INDEX IF EXISTS "idx_executions_paused_at";--> statement-breakpoint
CREATE INDEX "idx_executions_paused_at" ON "workflow_executions" USING btree ("paused_at","id") WHERE status = 'paused' and pause_kind is not null;--> statement-breakpoint
-- The paused list of one workflow. `workflow_id is not null` is implied only by a `workflow_id = …`
-- filter: a list without one cannot read this index whole and sort it.
DROP INDEX IF EXISTS "idx_executions_paused_workflow";--> statement-breakpoint
CREATE INDEX "idx_executions_paused_workflow" ON "workflow_executions" USING btree ("workflow_id","paused_at","id") WHERE status = 'paused' and pause_kind is not null and workflow_id is not null;--> statement-breakpoint
-- The expiry claim (`pause_expires_at <= …` implies the deadline is set); the list does not say so.
DROP INDEX IF EXISTS "idx_executions_pause_expires";--> statement-breakpoint
CREATE INDEX "idx_executions_pause_expires" ON "workflow_executions" USING btree ("pause_expires_at") WHERE status = 'paused' and pause_expires_at is not null;--> statement-breakpoint
-- The executions list's status filters key `status COLLATE "C"`: the list asks for
-- `status collate "C" = …`; the paused list and the claims ask for `status = 'paused'` in the column's
-- own collation, which an index column of another collation cannot serve.
DROP INDEX IF EXISTS "idx_executions_status_started";--> statement-breakpoint
CREATE INDEX "idx_executions_status_started" ON "workflow_executions" USING btree ("status" COLLATE "C","started_at","id");--> statement-breakpoint
-- The executions list filtered by workflow and status (the console's "failed runs of this
-- workflow"), newest first: an exact range instead of every execution of the workflow.
CREATE INDEX "idx_executions_workflow_status_started" ON "workflow_executions" USING btree ("workflow_id","status" COLLATE "C","started_at","id");
