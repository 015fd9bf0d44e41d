import { sql } from 'drizzle-orm';
import { index, integer, json, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { Role } from '../../core/access/permissions';
import type { ApprovalStatus, Decision } from '../../core/engine/state-machine';
import { workflowExecutions } from './executions';

export const approvalRequests = pgTable(
  'approval_requests',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    executionId: uuid('execution_id')
      .notNull()
      .references(() => workflowExecutions.id, { onDelete: 'cascade' }),
    stepId: text('step_id').notNull(),
    reason: text('reason').notNull(),
    requiredApprovals: integer('required_approvals').notNull().default(1),
    approverRole: text('approver_role').$type<Role>(),
    status: text('status').$type<ApprovalStatus>().notNull().default('pending'),
    approvalsReceived: integer('approvals_received').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    decidedAt: timestamp('decided_at', { withTimezone: true, precision: 3 }),
    version: integer('version').notNull().default(0),
    /** People the step names (`assignees`): with them (or a role) set, only they may decide. */
    assignedTo: text('assigned_to').array().notNull().default(sql`'{}'::text[]`),
    /** People an escalation added: they may decide too, whatever the assignment. */
    escalatedTo: text('escalated_to').array().notNull().default(sql`'{}'::text[]`),
    remindersSent: integer('reminders_sent').notNull().default(0),
    escalatedAt: timestamp('escalated_at', { withTimezone: true, precision: 3 }),
    /** When the worker next follows up: the next reminder or the escalation, whichever comes first. */
    followUpAt: timestamp('follow_up_at', { withTimezone: true, precision: 3 }),
    /** The version of the payload the approver is shown: 1, and one more after each approve-with-edits. */
    payloadVersion: integer('payload_version').notNull().default(1),
    /** sha256 of the canonical JSON of that payload (lib/core/approvals/payload-version.ts). */
    payloadHash: text('payload_hash'),
    /** The step's `input_schema` (JSON Schema) that decisions' `data` must match; null: free-form. json: fields in their author's order (migration 0011). */
    inputSchema: json('input_schema').$type<Record<string, unknown>>(),
    /** The payload fields an approver may change with approve-with-edits (the step's `editable`). */
    editable: text('editable').array().notNull().default(sql`'{}'::text[]`),
  },
  (t) => [
    index('idx_approvals_status_created').on(t.status, t.createdAt, t.id),
    index('idx_approvals_follow_up').on(t.followUpAt).where(sql`status = 'pending' and follow_up_at is not null`),
    index('idx_approvals_decided_at').on(t.decidedAt).where(sql`status in ('approved', 'rejected')`),
    uniqueIndex('uq_approvals_pending_execution').on(t.executionId).where(sql`status = 'pending'`),
    index('idx_approvals_execution').on(t.executionId),
  ],
);

export const approvalDecisions = pgTable(
  'approval_decisions',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    approvalId: uuid('approval_id')
      .notNull()
      .references(() => approvalRequests.id, { onDelete: 'cascade' }),
    actor: text('actor').notNull(),
    decision: text('decision').$type<Decision>().notNull(),
    comment: text('comment'),
    /** Set when a delegate decided for the person named here. */
    onBehalfOf: text('on_behalf_of'),
    /** The payload version the vote was cast on; older than the request's: stale, not counted. */
    payloadVersion: integer('payload_version').notNull().default(1),
    /** The decision's `data`, validated against the request's input schema. */
    data: jsonb('data').$type<Record<string, unknown>>(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('uq_decisions_approval_actor').on(t.approvalId, t.actor, t.payloadVersion),
    index('idx_decisions_created').on(t.createdAt),
    index('idx_decisions_actor_created').on(t.actor, t.createdAt),
  ],
);

export type ApprovalRow = typeof approvalRequests.$inferSelect;
export type ApprovalDecisionRow = typeof approvalDecisions.$inferSelect;
