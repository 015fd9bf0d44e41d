import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
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
  },
  (t) => [
    index('idx_approvals_status_created').on(t.status, t.createdAt, t.id),
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
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('uq_decisions_approval_actor').on(t.approvalId, t.actor), index('idx_decisions_created').on(t.createdAt)],
);

export type ApprovalRow = typeof approvalRequests.$inferSelect;
export type ApprovalDecisionRow = typeof approvalDecisions.$inferSelect;
