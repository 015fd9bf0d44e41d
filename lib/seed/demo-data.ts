import { count } from 'drizzle-orm';
import type { Db } from '../db/client';
import { users } from '../db/schema';
import { createUser } from '../core/access/users';
import { userActor } from '../core/access/permissions';
import { startExecution } from '../core/executions/start-execution';
import { pauseExecution } from '../core/resumer/pause-execution';
import { decideApproval } from '../core/approvals/decide-approval';
import { getExecution } from '../core/executions/get-execution';
import { resumeDecidedExecutions } from '../core/worker/resume-decided-executions';
import { log } from '../log';
import { createWorkflow } from '../core/workflows/workflows';

export const DEMO_USERS = [
  { email: 'admin@example.com', name: 'Ada Admin', role: 'admin', password: 'admin-demo-pass' },
  { email: 'operator@example.com', name: 'Oscar Operator', role: 'operator', password: 'operator-demo-pass' },
  { email: 'approver@example.com', name: 'Alice Approver', role: 'approver', password: 'approver-demo-pass' },
  { email: 'approver2@example.com', name: 'Bob Approver', role: 'approver', password: 'approver2-demo-pass' },
  { email: 'viewer@example.com', name: 'Vera Viewer', role: 'viewer', password: 'viewer-demo-pass' },
] as const;

/** The quick start's approval flow: orders over 10,000 wait for a manager. */
export const HIGH_VALUE_ORDER_WORKFLOW = {
  key: 'high-value-order',
  name: 'High-value order approval',
  description: 'Orders over 10,000 pause for a manager approval; smaller ones are approved automatically.',
  definition: {
    steps: [
      { id: 'check-amount', type: 'condition', condition: { field: 'amount', operator: '>', value: 10000 }, on_true: 'require-approval', on_false: 'auto-approve' },
      { id: 'require-approval', type: 'action', action: { type: 'block', reason: 'Requires manager approval' }, next: 'fulfil' },
      { id: 'fulfil', type: 'action', action: { type: 'set', values: { fulfilled: true } }, next: 'done' },
      { id: 'done', type: 'action', action: { type: 'allow' } },
      { id: 'auto-approve', type: 'action', action: { type: 'allow' } },
    ],
  },
};

export const EXPENSE_WORKFLOW = {
  key: 'expense-report',
  name: 'Expense report',
  description: 'Two approvers sign off; a rejection notifies the submitter. Paid after a short cooling-off wait.',
  definition: {
    steps: [
      { id: 'log-submission', type: 'action', action: { type: 'log', message: 'expense submitted' }, next: 'finance-approval' },
      {
        id: 'finance-approval',
        type: 'approval',
        reason: 'Finance sign-off (2 approvers)',
        required_approvals: 2,
        approver_role: 'approver',
        on_approve: 'cooling-off',
        on_reject: 'notify-rejected',
        timeout: 'P3D',
        on_timeout: 'reject',
      },
      { id: 'cooling-off', type: 'wait', duration: 'PT1M', next: 'pay' },
      { id: 'pay', type: 'action', action: { type: 'set', values: { paid: true } } },
      { id: 'notify-rejected', type: 'action', action: { type: 'set', values: { submitter_notified: true } } },
    ],
  },
};

/**
 * Seeds demo users (with the well-known passwords above), workflows and executions once: does
 * nothing when users already exist. Never in production: those logins would be anyone's.
 */
export async function seedDemoData(db: Db): Promise<{ seeded: boolean }> {
  if (process.env.NODE_ENV === 'production') throw new Error('demo data is never seeded with NODE_ENV=production');
  const [row] = await db.select({ n: count() }).from(users);
  if ((row?.n ?? 0) > 0) return { seeded: false };
  for (const u of DEMO_USERS) await createUser(db, u);
  await createWorkflow(db, HIGH_VALUE_ORDER_WORKFLOW as never);
  await createWorkflow(db, EXPENSE_WORKFLOW as never);
  const operator = userActor(DEMO_USERS[1]);
  const orders = [
    { order_id: 'ORD-1001', customer: 'Acme GmbH', amount: 25000, currency: 'EUR', hoursAgo: 30 },
    { order_id: 'ORD-1002', customer: 'Globex', amount: 480, currency: 'USD', hoursAgo: 5 },
    { order_id: 'ORD-1003', customer: 'Initech', amount: 120000, currency: 'USD', hoursAgo: 3 },
    { order_id: 'ORD-1004', customer: 'Umbrella plc', amount: 15500, currency: 'GBP', hoursAgo: 0.2 },
  ];
  // Started in the past so the inbox shows real ages (one pause is already over 24 h).
  for (const { hoursAgo, ...o } of orders) {
    const at = new Date(Date.now() - hoursAgo * 3_600_000);
    await startExecution(db, operator, { workflow_id: HIGH_VALUE_ORDER_WORKFLOW.key, trigger_payload: o }, { now: () => at });
  }
  const expenseAt = new Date(Date.now() - 26 * 3_600_000);
  await startExecution(
    db,
    operator,
    { workflow_id: EXPENSE_WORKFLOW.key, trigger_payload: { report_id: 'EXP-77', employee: 'dana@example.com', total: 1840.5, currency: 'EUR' } },
    { now: () => expenseAt },
  );
  // A manual pause: an expense approved earlier, held by ops during its cooling-off wait.
  const held = await startExecution(db, operator, {
    workflow_id: EXPENSE_WORKFLOW.key,
    trigger_payload: { report_id: 'EXP-78', employee: 'sam@example.com', total: 96, currency: 'EUR' },
  });
  if (held.status === 'paused') {
    // Decide the approval as the two approvers would, then pause during the wait.
    const approvalId = (await getExecution(db, held.id)).approvals[0]?.id;
    if (approvalId) {
      await decideApproval(db, userActor(DEMO_USERS[2]), approvalId, 'approve', { comment: 'receipts attached' });
      await decideApproval(db, userActor(DEMO_USERS[3]), approvalId, 'approve', {});
      await resumeDecidedExecutions(db, { batchSize: 1, now: () => new Date(), log, executionId: held.id });
      await pauseExecution(db, operator, held.id, { reason: 'Manual review required: duplicate receipt?' });
    }
  }
  return { seeded: true };
}
