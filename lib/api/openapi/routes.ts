import type { z } from 'zod';
import type { Permission } from '../../core/access/permissions';
import { METRICS_PATH, METRICS_PERMISSIONS } from '../../observability/metrics-config';
import { ROUTES, type RouteName, type RouteSpec } from '../route-table';
import type { ComponentName } from './schemas';

/** What the document says about one operation: the route table's entry plus its responses. */
export type DocumentedRoute = {
  operationId: string;
  method: 'GET' | 'POST';
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** none: no credentials; required: a Bearer API token or a console session. */
  auth: 'none' | 'required';
  permissions: readonly Permission[];
  /** The metrics route also takes METRICS_TOKEN. */
  metricsToken?: boolean;
  idempotent?: boolean;
  body?: z.ZodType;
  bodyOptional?: boolean;
  query?: z.ZodType;
  successStatus: number;
  /** A component name (JSON), or a media type with a plain description (metrics). */
  success: ComponentName | { contentType: string; description: string; schema: 'object' | 'string' };
  /** Extra non-error responses, e.g. health's 503 body. */
  otherResponses?: Record<number, { description: string; schema: ComponentName }>;
  /** Uses the database (503 when it is away). */
  database: boolean;
};

/** The success body of every route in the route table; a missing entry does not compile. */
export const ROUTE_RESPONSES: Record<RouteName, DocumentedRoute['success']> = {
  listWorkflows: 'WorkflowList',
  createWorkflow: 'Workflow',
  getWorkflow: 'Workflow',
  listExecutions: 'ExecutionList',
  startExecution: 'Execution',
  listPausedExecutions: 'PausedExecutionList',
  getExecution: 'ExecutionDetail',
  pauseExecution: 'Execution',
  resumeExecution: 'Execution',
  cancelExecution: 'Execution',
  streamEvents: {
    contentType: 'text/event-stream',
    description: 'An event stream (text/event-stream) that stays open; see the operation description',
    schema: 'string',
  },
  listApprovals: 'ApprovalList',
  getApproval: 'Approval',
  approveApproval: 'Approval',
  rejectApproval: 'Approval',
};

const DESCRIPTIONS: Partial<Record<RouteName, string>> = {
  startExecution: 'Runs the workflow from its first step until it completes, fails, pauses (an approval, a block or a pause step) or sleeps (a wait step).',
  listPausedExecutions: 'Oldest first, keyset-paged; `total` counts every paused execution matching the filters.',
  pauseExecution: 'A running (or sleeping) execution stops before its next step. Resume it through the resume route.',
  resumeExecution:
    'Merges `resume_data` into the context and runs on. For an approval pause, `resume_data.approved` (boolean) decides the pending approval and picks the branch.',
  streamEvents:
    'Stays open. `event: status` `{"listening": true|false}` first and whenever the server\u2019s database listener goes down or comes back (refetch what you show on true: changes may have been missed); `event: change` with `{"k":"e","id","s"}` (an execution and its status), `{"k":"a","id","e","s"}` (an approval, its execution and its status) `{"k":"e","many":true}` (many at once: refetch lists) or `{"k":"w"}` (a worker heartbeat); a comment line every 15 s. The stream ends after about five minutes and the client reconnects (EventSource does so by itself), which authenticates it again.',
  approveApproval: 'Records a decision. When the required approvals are reached the execution is resumed by a worker within a second.',
  rejectApproval: 'Records a rejection: the approval is final and the execution takes its reject branch (or ends as rejected).',
};

function tagOf(path: string): string {
  const seg = path.split('/')[3] ?? '';
  return ({ workflows: 'Workflows', executions: 'Executions', approvals: 'Approvals', me: 'Account' } as Record<string, string>)[seg] ?? 'Operations';
}

function fromTable(name: RouteName): DocumentedRoute {
  const r: RouteSpec = ROUTES[name];
  return {
    operationId: name,
    method: r.method,
    path: r.path,
    summary: r.summary,
    description: DESCRIPTIONS[name],
    tag: tagOf(r.path),
    auth: 'required',
    permissions: r.permissions,
    idempotent: r.idempotent,
    body: r.body,
    bodyOptional: r.bodyOptional,
    query: r.query,
    successStatus: r.successStatus ?? 200,
    success: ROUTE_RESPONSES[name],
    database: true,
  };
}

/**
 * Routes outside the route table (no permission check by withApiAuth, or not yet listed there).
 * When the route table gains one of them, the table's entry wins.
 */
export const EXTRA_ROUTES: DocumentedRoute[] = [
  {
    operationId: 'getHealth',
    method: 'GET',
    path: '/api/v1/health',
    summary: 'Liveness: the process answers and the database responds',
    tag: 'Operations',
    auth: 'none',
    permissions: [],
    successStatus: 200,
    success: 'Health',
    otherResponses: { 503: { description: 'The database does not answer', schema: 'HealthDown' } },
    database: false,
  },
  {
    operationId: 'getReady',
    method: 'GET',
    path: '/api/v1/ready',
    summary: 'Readiness: the database answers and every migration is applied',
    description: 'Point the load balancer here: an instance started before `npm run db:migrate` finished stays out of rotation.',
    tag: 'Operations',
    auth: 'none',
    permissions: [],
    successStatus: 200,
    success: 'Ready',
    otherResponses: { 503: { description: 'Not ready: the checks say why', schema: 'NotReady' } },
    database: false,
  },
  {
    operationId: 'getMetrics',
    method: 'GET',
    path: METRICS_PATH,
    summary: 'Prometheus metrics',
    description:
      'Prometheus text format 0.0.4. This process’s HTTP request durations and Node.js metrics, and global numbers read from the database (executions by status, the paused backlog, pause/resume/decision counters, decision → resume latency, worker heartbeats). Send `Authorization: Bearer <METRICS_TOKEN>`, or an API token or session with execution:read.',
    tag: 'Operations',
    auth: 'required',
    permissions: METRICS_PERMISSIONS,
    metricsToken: true,
    successStatus: 200,
    success: { contentType: 'text/plain; version=0.0.4', description: 'Prometheus exposition format', schema: 'string' },
    database: false,
  },
  {
    operationId: 'getOpenApi',
    method: 'GET',
    path: '/api/v1/openapi.json',
    summary: 'This OpenAPI 3.1 document',
    tag: 'Operations',
    auth: 'none',
    permissions: [],
    successStatus: 200,
    success: { contentType: 'application/json', description: 'OpenAPI 3.1 document', schema: 'object' },
    database: false,
  },
  {
    operationId: 'getMe',
    method: 'GET',
    path: '/api/v1/me',
    summary: 'Who the caller is and what they may do',
    tag: 'Account',
    auth: 'required',
    permissions: [],
    successStatus: 200,
    success: 'Me',
    database: true,
  },
  {
    operationId: 'getOpsSummary',
    method: 'GET',
    path: '/api/v1/ops/summary',
    summary: 'The ops screen in one read: executions by status, the paused backlog, decisions per hour, workers',
    tag: 'Operations',
    auth: 'required',
    permissions: ['execution:read'],
    successStatus: 200,
    success: 'OpsSummary',
    database: true,
  },
];

/** Every documented operation: the route table first, then the extras it does not cover. */
export function documentedRoutes(): DocumentedRoute[] {
  const table = (Object.keys(ROUTES) as RouteName[]).map(fromTable);
  const seen = new Set(table.map((r) => `${r.method} ${r.path}`));
  return [...table, ...EXTRA_ROUTES.filter((r) => !seen.has(`${r.method} ${r.path}`))];
}
