import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { ExecutionStatus, PauseKind } from '../../core/engine/state-machine';
import type { JsonObject } from '../../core/engine/execute-step';
import { workflows } from './workflows';

export const workflowExecutions = pgTable(
  'workflow_executions',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => workflows.id),
    status: text('status').$type<ExecutionStatus>().notNull(),
    triggerPayload: jsonb('trigger_payload').$type<JsonObject>().notNull(),
    context: jsonb('context').$type<JsonObject>().notNull(),
    /** The step the execution is at: the next to run while running, the wait step while sleeping. */
    currentStepId: text('current_step_id'),
    /** While running: when a worker should pick it up (a wait step's end, or the lease of the process running it). */
    wakeAt: timestamp('wake_at', { withTimezone: true, precision: 3 }),
    /** Set while a wait step sleeps; kept across a manual pause so the timer's deadline stands. */
    waitingUntil: timestamp('waiting_until', { withTimezone: true, precision: 3 }),
    startedAt: timestamp('started_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    startedBy: text('started_by').notNull(),
    completedAt: timestamp('completed_at', { withTimezone: true, precision: 3 }),
    error: text('error'),
    // The pause: set by a pause (step or request), cleared when it ends (CLEARED_PAUSE, engine/execution-change.ts).
    pausedAt: timestamp('paused_at', { withTimezone: true, precision: 3 }),
    pausedReason: text('paused_reason'),
    pausedStepId: text('paused_step_id'),
    nextStepId: text('next_step_id'),
    resumeData: jsonb('resume_data').$type<JsonObject>(),
    resumeCount: integer('resume_count').notNull().default(0),
    lastResumedAt: timestamp('last_resumed_at', { withTimezone: true, precision: 3 }),
    // What the pause is waiting for: manual (an API/console pause), approval, or callback (a pause step).
    pauseKind: text('pause_kind').$type<PauseKind>(),
    pausedBy: text('paused_by'),
    pauseExpiresAt: timestamp('pause_expires_at', { withTimezone: true, precision: 3 }),
    /** Set by the approval decision that made resume_data final; the worker resumes these. */
    decidedAt: timestamp('decided_at', { withTimezone: true, precision: 3 }),
    pauseWarnedAt: timestamp('pause_warned_at', { withTimezone: true, precision: 3 }),
    /** Steps run so far, all runs together: past MAX_STEPS_PER_EXECUTION the execution fails. */
    stepsRun: integer('steps_run').notNull().default(0),
    /** The key a `pause` step waits on (`callback_key`), unique among paused executions (migration 0009). */
    callbackKey: text('callback_key'),
    /** Compare-and-set counter: every state change bumps it. */
    version: integer('version').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    // "paused, oldest first" is an index scan, keyset by (paused_at, id). The predicates let only the
    // statement each index is made for use it (migration 0006, lib/db/sql/page-first.ts).
    index('idx_executions_paused_at').on(t.pausedAt, t.id).where(sql`status = 'paused' and pause_kind is not null`),
    index('idx_executions_paused_workflow')
      .on(t.workflowId, t.pausedAt, t.id)
      .where(sql`status = 'paused' and pause_kind is not null and workflow_id is not null`),
    index('idx_executions_decided').on(t.decidedAt).where(sql`status = 'paused' and decided_at is not null`),
    index('idx_executions_pause_expires').on(t.pauseExpiresAt).where(sql`status = 'paused' and pause_expires_at is not null`),
    // The warn phase: pauses never warned about, oldest first, and those last warned about over a day ago.
    index('idx_executions_pause_unwarned').on(t.pausedAt).where(sql`status = 'paused' and pause_warned_at is null`),
    index('idx_executions_pause_warned').on(t.pauseWarnedAt).where(sql`status = 'paused' and pause_warned_at is not null`),
    uniqueIndex('uq_executions_paused_callback_key').on(t.callbackKey).where(sql`status = 'paused' and callback_key is not null`),
    index('idx_executions_wake').on(t.wakeAt).where(sql`status = 'running' and wake_at is not null`),
    index('idx_executions_started').on(t.startedAt, t.id),
    // The executions list's status filter (`status collate "C" = …`); queries for paused rows, which
    // say `status = 'paused'`, cannot use these and keep to the partial indexes above (migration 0006).
    index('idx_executions_status_started').on(sql`${t.status} collate "C"`, t.startedAt, t.id),
    index('idx_executions_workflow_started').on(t.workflowId, t.startedAt, t.id),
    index('idx_executions_workflow_status_started').on(t.workflowId, sql`${t.status} collate "C"`, t.startedAt, t.id),
  ],
);

export const executionEvents = pgTable(
  'execution_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    executionId: uuid('execution_id')
      .notNull()
      .references(() => workflowExecutions.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    stepId: text('step_id'),
    actor: text('actor').notNull(),
    data: jsonb('data').$type<JsonObject>(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index('idx_events_execution').on(t.executionId, t.id), index('idx_events_type_created').on(t.type, t.createdAt)],
);

export type ExecutionRow = typeof workflowExecutions.$inferSelect;
export type ExecutionEventRow = typeof executionEvents.$inferSelect;
