import { count } from 'drizzle-orm';
import type { Db } from '../db/client';
import { users } from '../db/schema';
import { createUser } from '../core/access/users';
import { userActor } from '../core/access/permissions';
import { startExecution } from '../core/executions/start-execution';
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

/** Seeds demo users, workflows and executions once: does nothing when users already exist. */
export async function seedDemoData(db: Db): Promise<{ seeded: boolean }> {
  const [row] = await db.select({ n: count() }).from(users);
  if ((row?.n ?? 0) > 0) return { seeded: false };
  for (const u of DEMO_USERS) await createUser(db, u);
  await createWorkflow(db, HIGH_VALUE_ORDER_WORKFLOW as never);
  await createWorkflow(db, EXPENSE_WORKFLOW as never);
  const operator = userActor(DEMO_USERS[1]);
  const orders = [
    { order_id: 'ORD-1001', customer: 'Acme GmbH', amount: 25000, currency: 'EUR' },
    { order_id: 'ORD-1002', customer: 'Globex', amount: 480, currency: 'USD' },
    { order_id: 'ORD-1003', customer: 'Initech', amount: 120000, currency: 'USD' },
    { order_id: 'ORD-1004', customer: 'Umbrella plc', amount: 15500, currency: 'GBP' },
  ];
  for (const o of orders) await startExecution(db, operator, { workflow_id: HIGH_VALUE_ORDER_WORKFLOW.key, trigger_payload: o });
  await startExecution(db, operator, {
    workflow_id: EXPENSE_WORKFLOW.key,
    trigger_payload: { report_id: 'EXP-77', employee: 'dana@example.com', total: 1840.5, currency: 'EUR' },
  });
  return { seeded: true };
}
