/**
 * The words of every message: email (text and HTML parts) and the webhook body. Pure: given the facts
 * of a request, what to tell whom. Decision links appear as LINK_TOKEN_PLACEHOLDER; delivery fills
 * in the token.
 */
import { decisionUrl, LINK_TOKEN_PLACEHOLDER, publicUrl } from './links';

export const NOTIFICATION_KINDS = ['requested', 'reminder', 'escalated', 'decided'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export type RequestFacts = {
  approval: {
    id: string;
    stepId: string;
    reason: string;
    status: string;
    requiredApprovals: number;
    approvalsReceived: number;
    approverRole: string | null;
    assignedTo: readonly string[];
    escalatedTo: readonly string[];
    createdAt: Date;
    decidedAt: Date | null;
  };
  execution: { id: string; workflowId: string; status: string; triggerPayload: unknown; startedBy: string; pausedBy: string | null; pauseExpiresAt: Date | null };
  workflow: { name: string; key: string };
  decisions: { actor: string; decision: string; comment: string | null; onBehalfOf: string | null }[];
};

export type Recipient = { email: string; name: string; onBehalfOf: string | null };

export type EmailMessage = { subject: string; text: string; html: string };

const MAX_PAYLOAD_FIELDS = 8;
const MAX_VALUE_CHARS = 80;

/** The payload's first fields, one line each, values cut short: enough to decide on, not a dump. */
export function keyFields(payload: unknown): [string, string][] {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return [];
  return Object.entries(payload as Record<string, unknown>)
    .slice(0, MAX_PAYLOAD_FIELDS)
    .map(([k, v]) => {
      const text = typeof v === 'string' ? v : JSON.stringify(v) ?? 'null';
      return [k, text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text];
    });
}

export function formatAge(seconds: number): string {
  if (seconds < 60) return `${Math.max(0, Math.floor(seconds))} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86_400)} d ${Math.floor((seconds % 86_400) / 3600)} h`;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function outcomeWord(status: string): string {
  return status === 'approved' ? 'Approved' : status === 'rejected' ? 'Rejected' : status === 'expired' ? 'Expired' : 'Decided';
}

function subjectOf(kind: NotificationKind, f: RequestFacts): string {
  const what = `${f.workflow.name}: ${f.approval.reason}`;
  switch (kind) {
    case 'requested':
      return `[Approval needed] ${what}`;
    case 'reminder':
      return `[Reminder] ${what}`;
    case 'escalated':
      return `[Escalated] ${what}`;
    case 'decided':
      return `[${outcomeWord(f.approval.status)}] ${what}`;
  }
}

function headline(kind: NotificationKind, f: RequestFacts, to: Recipient | null, ageText: string): string {
  const forWhom = to?.onBehalfOf ? ` on behalf of ${to.onBehalfOf} (they delegated their approvals to you)` : '';
  switch (kind) {
    case 'requested':
      return `${f.workflow.name} is waiting for your decision${forWhom}.`;
    case 'reminder':
      return `Reminder: ${f.workflow.name} has been waiting for a decision for ${ageText}${forWhom}.`;
    case 'escalated':
      return `Escalated to you: ${f.workflow.name} has not been decided after ${ageText}${forWhom}.`;
    case 'decided': {
      const final = f.decisions.filter((d) => (f.approval.status === 'rejected' ? d.decision === 'reject' : d.decision === 'approve'));
      const by = final.map((d) => (d.onBehalfOf ? `${d.actor} for ${d.onBehalfOf}` : d.actor)).join(', ');
      return f.approval.status === 'expired'
        ? `${f.workflow.name}: the approval request expired without a decision. No action needed.`
        : `${f.workflow.name} was ${f.approval.status}${by ? ` by ${by}` : ''}. No action needed.`;
    }
  }
}

function factLines(f: RequestFacts, now: Date): [string, string][] {
  const age = (now.getTime() - f.approval.createdAt.getTime()) / 1000;
  const lines: [string, string][] = [
    ['Reason', f.approval.reason],
    ['Workflow', `${f.workflow.name} (${f.workflow.key})`],
    ['Step', f.approval.stepId],
    ['Requested', `${f.approval.createdAt.toISOString()} (${formatAge(age)} ago)`],
    ['Deadline', f.execution.pauseExpiresAt ? f.execution.pauseExpiresAt.toISOString() : 'none'],
    ['Approvals', `${f.approval.approvalsReceived} of ${f.approval.requiredApprovals}`],
    ['Started by', f.execution.startedBy],
  ];
  const assigned = [...f.approval.assignedTo, ...f.approval.escalatedTo];
  if (assigned.length) lines.push(['Assigned to', assigned.join(', ')]);
  if (f.approval.approverRole) lines.push(['Role', f.approval.approverRole]);
  return lines;
}

export function executionUrl(executionId: string): string {
  return `${publicUrl()}/executions/${executionId}`;
}

/** An email to one person. `linkExpiresAt` null: no decision link (a "decided" message). */
export function composeEmail(kind: NotificationKind, f: RequestFacts, to: Recipient, now: Date, linkExpiresAt: Date | null): EmailMessage {
  const ageText = formatAge((now.getTime() - f.approval.createdAt.getTime()) / 1000);
  const head = headline(kind, f, to, ageText);
  const facts = factLines(f, now);
  const fields = keyFields(f.execution.triggerPayload);
  const link = linkExpiresAt ? decisionUrl(LINK_TOKEN_PLACEHOLDER) : null;
  const execUrl = executionUrl(f.execution.id);
  const text = [
    `Hello ${to.name},`,
    '',
    head,
    '',
    ...facts.map(([k, v]) => `${k}: ${v}`),
    ...(fields.length ? ['', 'Payload:', ...fields.map(([k, v]) => `  ${k}: ${v}`)] : []),
    '',
    ...(link
      ? [
          `Approve or reject: ${link}`,
          `This link acts as you (${to.email}) for this request only, until ${linkExpiresAt!.toISOString()}. Opening it decides nothing: the page asks.`,
          '',
        ]
      : []),
    `Execution: ${execUrl}`,
    '',
  ].join('\n');
  const rows = facts.map(([k, v]) => `<tr><th align="left" style="padding:2px 12px 2px 0;color:#475569">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('');
  const payloadRows = fields.map(([k, v]) => `<tr><th align="left" style="padding:2px 12px 2px 0;color:#475569">${escapeHtml(k)}</th><td><code>${escapeHtml(v)}</code></td></tr>`).join('');
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#0f172a;line-height:1.5">
<p>Hello ${escapeHtml(to.name)},</p>
<p><strong>${escapeHtml(head)}</strong></p>
<table style="border-collapse:collapse;font-size:14px">${rows}</table>
${payloadRows ? `<h3 style="font-size:14px;margin:16px 0 4px">Payload</h3><table style="border-collapse:collapse;font-size:14px">${payloadRows}</table>` : ''}
${
  link
    ? `<p style="margin:20px 0"><a href="${escapeHtml(link)}" style="background:#4f46e5;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">Approve or reject</a></p>
<p style="font-size:12px;color:#64748b">This link acts as you (${escapeHtml(to.email)}) for this request only, until ${escapeHtml(linkExpiresAt!.toISOString())}. Opening it decides nothing: the page asks.</p>`
    : ''
}
<p style="font-size:12px;color:#64748b"><a href="${escapeHtml(execUrl)}">Open the execution</a></p>
</body></html>`;
  return { subject: subjectOf(kind, f), text, html };
}

const WEBHOOK_TYPES: Record<NotificationKind, string> = {
  requested: 'approval.requested',
  reminder: 'approval.reminder',
  escalated: 'approval.escalated',
  decided: 'approval.decided',
};

/**
 * The webhook body. No decision links: a link acts as one person, and a webhook goes to a channel.
 * `text` is what a Slack incoming webhook shows.
 */
export function composeWebhook(kind: NotificationKind, f: RequestFacts, messageId: string, now: Date) {
  const ageText = formatAge((now.getTime() - f.approval.createdAt.getTime()) / 1000);
  const head = headline(kind, f, null, ageText).replace('your decision', 'a decision');
  const fields = keyFields(f.execution.triggerPayload);
  const execUrl = executionUrl(f.execution.id);
  const text = [`*${subjectOf(kind, f)}*`, head, ...fields.map(([k, v]) => `• ${k}: ${v}`), `<${execUrl}|Open the execution>`].join('\n');
  return {
    id: messageId,
    type: WEBHOOK_TYPES[kind],
    created_at: now.toISOString(),
    approval: {
      id: f.approval.id,
      status: f.approval.status,
      step_id: f.approval.stepId,
      reason: f.approval.reason,
      required_approvals: f.approval.requiredApprovals,
      approvals_received: f.approval.approvalsReceived,
      approver_role: f.approval.approverRole,
      assigned_to: [...f.approval.assignedTo],
      escalated_to: [...f.approval.escalatedTo],
      created_at: f.approval.createdAt.toISOString(),
      decided_at: f.approval.decidedAt?.toISOString() ?? null,
      deadline: f.execution.pauseExpiresAt?.toISOString() ?? null,
      decisions: f.decisions.map((d) => ({ actor: d.actor, decision: d.decision, comment: d.comment, on_behalf_of: d.onBehalfOf })),
    },
    execution: {
      id: f.execution.id,
      workflow_id: f.execution.workflowId,
      workflow_key: f.workflow.key,
      workflow_name: f.workflow.name,
      status: f.execution.status,
      started_by: f.execution.startedBy,
      trigger_payload: f.execution.triggerPayload,
    },
    links: { execution: execUrl, approval: `${publicUrl()}/api/v1/approvals/${f.approval.id}` },
    text,
  };
}

export type WebhookBody = ReturnType<typeof composeWebhook>;
