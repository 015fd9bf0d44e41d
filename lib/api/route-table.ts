/**
 * The route table: every /api/v1 route, one entry each. It drives the handlers, the OpenAPI document
 * and the tests, so they cannot drift apart:
 *
 * - `app/api/v1/<path>/route.ts` exports `GET`/`POST = withApiAuth(ROUTES.<name>, handler)` (or
 *   `withPublicRoute` for `auth: 'public'`); the wrapper authenticates, checks `permissions`,
 *   parses `body` and `query` with the entry's schemas, applies idempotency, answers with
 *   `successStatus`, and labels logs and metrics with `path`. The handler gets `{ body, query,
 *   params, actor, db, req, requestId }`, typed from the entry, and returns the response body, which
 *   must match `response` (checked by the compiler).
 * - lib/api/openapi/document.ts generates every operation from its entry, including every error
 *   status it can answer (see `errors` below).
 * - e2e/unit/route-table.test.ts fails for a route.ts that is not in the table or does not use its
 *   entry; e2e/api/authz-matrix.test.ts calls every entry with every credential.
 *
 * To add a route: add an entry here, register its response schema in lib/api/openapi/schemas.ts,
 * write the route.ts, and add a fixture to the authorization matrix.
 *
 * RouteSpec fields:
 *   method, path    the HTTP method and the OpenAPI path template: `/api/v1/executions/{id}/pause`
 *                   is served by `app/api/v1/executions/[id]/pause/route.ts`.
 *   summary, description   OpenAPI text.
 *   auth            'token' (default): a Bearer API token or the console's session cookie.
 *                   'public': no credentials (health, readiness, this document).
 *                   'metrics': like 'token', or the METRICS_TOKEN secret (route.ts uses withMetricsAuth).
 *   permissions     all of them are required (403 otherwise); [] lets any signed-in caller in.
 *   body            zod schema of the JSON body (400 not JSON, 413 too large, 415 wrong type, 422 invalid).
 *   bodyOptional    the body may be left out entirely (parsed as `{}`).
 *   query           zod schema of the query string (422 invalid). Without one, any query parameter is a 422.
 *   idempotent      honour Idempotency-Key (409 while the first request runs, 422 for a reused key).
 *   successStatus   default 200.
 *   response        zod schema of the success body, or `{ contentType, description }` for a non-JSON
 *                   body (the handler then returns a Response).
 *   otherResponses  non-error answers besides the success (health's 503 body), by status.
 *   errors          the domain error codes the handler may throw (lib/core/errors.ts); each becomes
 *                   its status in the document (a new code needs its ERROR_MEANINGS entry there).
 *                   The ones the wrapper answers are added from the entry: 401 (auth), 403
 *                   (permissions, or a session's cross-origin write), 404 (`{id}` in the path),
 *                   400/413/415/422 (body), 422 (query), 409/422 (idempotent), 503 (database),
 *                   and 500 for every route.
 *   database        false when the route answers without the database (no 503 documented).
 */
import type { z } from 'zod';
import { ZMe } from '../core/access/me';
import type { Permission } from '../core/access/permissions';
import { ZDecideApproval } from '../core/approvals/decide-approval';
import { ZApproval, ZApprovalList } from '../core/approvals/approval-dto';
import { ZListApprovals } from '../core/approvals/list-approvals';
import type { ErrorCode } from '../core/errors';
import { ZCancelExecution } from '../core/executions/cancel-execution';
import { ZExecution, ZExecutionDetail, ZExecutionEventPage, ZExecutionList } from '../core/executions/execution-dto';
import { ZListExecutionEvents } from '../core/executions/get-execution';
import { ZListExecutions } from '../core/executions/list-executions';
import { ZStartExecution } from '../core/executions/start-execution';
import { ZOpsSummary } from '../core/ops/get-ops-summary';
import { ZListPaused } from '../core/resumer/list-paused-executions';
import { ZPauseExecution } from '../core/resumer/pause-execution';
import { ZPausedList } from '../core/resumer/paused-execution-dto';
import { ZResumeExecution } from '../core/resumer/resume-execution';
import { ZWorkflow, ZWorkflowList } from '../core/workflows/workflow-dto';
import { ZCreateWorkflow } from '../core/workflows/workflows';
import { ZDelegation, ZSetDelegation } from '../core/approvals/delegation';
import { ZDecisionLink } from '../core/notifications/decision-links';
import { ZListNotifications, ZNotificationList } from '../core/notifications/notification-dto';
import { ZHealth, ZHealthDown, ZNotReady, ZReady } from './openapi/schemas';
import { ZExtendExecution } from '../core/executions/extend-execution';
import { ZReopenApproval } from '../core/approvals/reopen-approval';
import { ZSendCallback } from '../core/callbacks/send-callback';
import { ZCallbackList, ZHeldCallback } from '../core/callbacks/callback-dto';
import { ZListCallbacks } from '../core/callbacks/list-callbacks';

/** A body that is not JSON: the handler returns a Response of this type. */
export type RawResponse = { contentType: string; description: string };

export type RouteSpec = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: `/api/v1/${string}`;
  summary: string;
  description?: string;
  auth?: 'token' | 'public' | 'metrics';
  permissions: readonly Permission[];
  body?: z.ZodType;
  bodyOptional?: boolean;
  query?: z.ZodType;
  idempotent?: boolean;
  successStatus?: 200 | 201;
  response: z.ZodType | RawResponse;
  otherResponses?: Readonly<Record<number, { description: string; schema: z.ZodType }>>;
  errors?: readonly ErrorCode[];
  database?: false;
};

const DECISION_LINK_POST =
  'Recorded as the link’s recipient under every decision rule (assignment, self-approval, one vote per person, quorum). Needs the `X-CSRF-Token` header from the GET. 410 `link_closed` once the request is decided or expired, the link used, or the request no longer the recipient’s to decide.';

export const ROUTES = {
  listWorkflows: { method: 'GET', path: '/api/v1/workflows', summary: 'List workflows', permissions: ['workflow:read'], response: ZWorkflowList },
  createWorkflow: {
    method: 'POST',
    path: '/api/v1/workflows',
    summary: 'Create a workflow',
    permissions: ['workflow:write'],
    body: ZCreateWorkflow,
    successStatus: 201,
    response: ZWorkflow,
    errors: ['conflict'],
  },
  getWorkflow: { method: 'GET', path: '/api/v1/workflows/{id}', summary: 'Get a workflow by id or key', permissions: ['workflow:read'], response: ZWorkflow },
  listExecutions: {
    method: 'GET',
    path: '/api/v1/executions',
    summary: 'List executions',
    permissions: ['execution:read'],
    query: ZListExecutions,
    response: ZExecutionList,
    errors: ['not_found'],
  },
  startExecution: {
    method: 'POST',
    path: '/api/v1/executions',
    summary: 'Start an execution and run it as far as it goes',
    description: 'Runs the workflow from its first step until it completes, fails, pauses (an approval, a block or a pause step) or sleeps (a wait step).',
    permissions: ['execution:create'],
    body: ZStartExecution,
    successStatus: 201,
    response: ZExecution,
    errors: ['not_found', 'conflict'],
  },
  listPausedExecutions: {
    method: 'GET',
    path: '/api/v1/executions/paused',
    summary: 'List paused executions, oldest first',
    description: 'Oldest first, keyset-paged; `total` counts every paused execution matching the filters.',
    permissions: ['execution:read'],
    query: ZListPaused,
    response: ZPausedList,
    errors: ['not_found'],
  },
  getExecution: {
    method: 'GET',
    path: '/api/v1/executions/{id}',
    summary: 'Get an execution with its newest events',
    permissions: ['execution:read'],
    response: ZExecutionDetail,
  },
  listExecutionEvents: {
    method: 'GET',
    path: '/api/v1/executions/{id}/events',
    summary: "Page an execution's older events",
    description: 'The events before `cursor` (GET /executions/{id} carries the newest 50 and `events_next_cursor`), oldest first.',
    permissions: ['execution:read'],
    query: ZListExecutionEvents,
    response: ZExecutionEventPage,
  },
  pauseExecution: {
    method: 'POST',
    path: '/api/v1/executions/{id}/pause',
    summary: 'Pause a running execution',
    description: 'A running (or sleeping) execution stops before its next step. Resume it through the resume route.',
    permissions: ['execution:cancel'],
    idempotent: true,
    body: ZPauseExecution,
    bodyOptional: true,
    response: ZExecution,
    errors: ['not_running', 'conflict'],
  },
  resumeExecution: {
    method: 'POST',
    path: '/api/v1/executions/{id}/resume',
    summary: 'Resume a paused execution with resume_data',
    description:
      'Merges `resume_data` into the context and runs on; a pause step’s `input_schema` must accept it (422 naming the path). For an approval pause the resume is a vote: `resume_data` is `{"approved": bool, "comment"?, "data"?, "payload_version"?}`, judged like approve/reject.',
    permissions: ['execution:cancel'],
    idempotent: true,
    body: ZResumeExecution,
    bodyOptional: true,
    response: ZExecution,
    errors: ['not_paused', 'pause_expired', 'not_pending', 'self_approval', 'payload_changed', 'conflict'],
  },
  cancelExecution: {
    method: 'POST',
    path: '/api/v1/executions/{id}/cancel',
    summary: 'Cancel an execution',
    permissions: ['execution:cancel'],
    idempotent: true,
    body: ZCancelExecution,
    bodyOptional: true,
    response: ZExecution,
    errors: ['conflict'],
  },
  streamEvents: {
    method: 'GET',
    path: '/api/v1/events',
    summary: 'Server-Sent Events: executions and approvals as they change',
    description:
      '`change` messages (`{"k":"e","id","s"}` an execution and its status, `{"k":"a","id","e","s"}` an approval decided, voted on or escalated, `{"k":"e","many":true}`, `{"k":"d"}` a delegation set or ended, `{"k":"w"}` a worker heartbeat) as changes commit; `status` `{"listening"}` when the server’s LISTEN connection drops or returns; a comment every 15 s. Each stream ends after about 5 minutes and the client reconnects (and is authenticated again).',
    permissions: ['execution:read'],
    response: { contentType: 'text/event-stream', description: 'Server-Sent Events' },
  },
  listApprovals: {
    method: 'GET',
    path: '/api/v1/approvals',
    summary: 'List approval requests',
    permissions: ['approval:read'],
    query: ZListApprovals,
    response: ZApprovalList,
  },
  getApproval: { method: 'GET', path: '/api/v1/approvals/{id}', summary: 'Get an approval request', permissions: ['approval:read'], response: ZApproval },
  approveApproval: {
    method: 'POST',
    path: '/api/v1/approvals/{id}/approve',
    summary: 'Approve',
    description:
      'Records a decision. When the required approvals are reached the execution is resumed by a worker within a second. `data` must match the step’s `input_schema` (422 naming the path, nothing written) and lands in resume_data and the context. Send the `payload_version` you were shown: 409 `payload_changed` when the payload was edited since. `edits` (only the step’s `editable` fields) makes payload version n+1, recorded on the timeline, and counts as your approval of it; votes on older versions stop counting.',
    permissions: ['approval:decide'],
    idempotent: true,
    body: ZDecideApproval,
    bodyOptional: true,
    response: ZApproval,
    errors: ['self_approval', 'forbidden', 'not_pending', 'already_decided', 'payload_changed', 'conflict'],
  },
  rejectApproval: {
    method: 'POST',
    path: '/api/v1/approvals/{id}/reject',
    summary: 'Reject',
    description:
      'Records a rejection: the approval is final and the execution takes its reject branch (or ends as rejected). `data`, when sent, must match the step’s `input_schema`; `payload_version` as on approve.',
    permissions: ['approval:decide'],
    idempotent: true,
    body: ZDecideApproval,
    bodyOptional: true,
    response: ZApproval,
    errors: ['self_approval', 'forbidden', 'not_pending', 'already_decided', 'payload_changed', 'conflict'],
  },
  getMe: { method: 'GET', path: '/api/v1/me', summary: 'Who the caller is and what they may do', permissions: [], response: ZMe },
  getOpsSummary: {
    method: 'GET',
    path: '/api/v1/ops/summary',
    summary: 'The ops screen in one read: executions by status, the paused backlog, decisions per hour, workers',
    permissions: ['execution:read'],
    response: ZOpsSummary,
  },
  getHealth: {
    method: 'GET',
    path: '/api/v1/health',
    summary: 'Liveness: the process answers and the database responds',
    auth: 'public',
    permissions: [],
    response: ZHealth,
    otherResponses: { 503: { description: 'The database does not answer', schema: ZHealthDown } },
    database: false,
  },
  getReady: {
    method: 'GET',
    path: '/api/v1/ready',
    summary: 'Readiness: the database answers and every migration is applied',
    description: 'Point the load balancer here: an instance started before `npm run db:migrate` finished stays out of rotation.',
    auth: 'public',
    permissions: [],
    response: ZReady,
    otherResponses: { 503: { description: 'Not ready: the checks say why', schema: ZNotReady } },
    database: false,
  },
  getMetrics: {
    method: 'GET',
    path: '/api/v1/metrics',
    summary: 'Prometheus metrics',
    description:
      'Prometheus text format 0.0.4. This process’s HTTP request durations and Node.js metrics, and global numbers read from the database (executions by status, the paused backlog, pause/resume/decision counters, decision → resume latency, worker heartbeats). Send `Authorization: Bearer <METRICS_TOKEN>`, or an API token or session with execution:read.',
    auth: 'metrics',
    // The same permission as reading executions (or the METRICS_TOKEN secret).
    permissions: ['execution:read'],
    response: { contentType: 'text/plain; version=0.0.4', description: 'Prometheus exposition format' },
    database: false,
  },
  getOpenApi: {
    method: 'GET',
    path: '/api/v1/openapi.json',
    summary: 'This OpenAPI 3.1 document',
    auth: 'public',
    permissions: [],
    response: { contentType: 'application/json', description: 'OpenAPI 3.1 document' },
    database: false,
  },
  getDelegation: { method: 'GET', path: '/api/v1/me/delegation', summary: 'My delegation, and who delegated to me', permissions: [], response: ZDelegation },
  setDelegation: {
    method: 'PUT',
    path: '/api/v1/me/delegation',
    summary: 'Delegate my approvals to someone until a time',
    permissions: ['approval:decide'],
    body: ZSetDelegation,
    response: ZDelegation,
  },
  deleteDelegation: { method: 'DELETE', path: '/api/v1/me/delegation', summary: 'End my delegation', permissions: [], response: ZDelegation },
  extendExecution: {
    method: 'POST',
    path: '/api/v1/executions/{id}/extend',
    summary: "Move a paused execution's deadline",
    description:
      '`{"by": "PT24H"}` moves the deadline (for an approval pause, the approval’s timeout) that much later; `{"until": ISO}` sets it. 422 when the new deadline is in the past or more than PAUSE_EXTEND_MAX after the pause began; 409 `not_paused` unless paused. Timeline: `extended`.',
    permissions: ['execution:cancel'],
    idempotent: true,
    body: ZExtendExecution,
    response: ZExecution,
    errors: ['not_paused', 'conflict'],
  },
  reopenApproval: {
    method: 'POST',
    path: '/api/v1/approvals/{id}/reopen',
    summary: 'Ask again: reopen an expired or rejected approval',
    description:
      'For a request that expired or was rejected and whose execution ended because of it (no later step ran): a new pending request for the same step (same assignees, fresh deadline, new notifications and decision links), the execution paused there again. The caller must be someone who may decide the request. 409 when later steps ran or the execution did not end by it. Timeline: `reopened`. Answers the new request.',
    permissions: ['approval:decide'],
    idempotent: true,
    body: ZReopenApproval,
    bodyOptional: true,
    response: ZApproval,
    errors: ['self_approval', 'forbidden', 'conflict'],
  },
  sendCallback: {
    method: 'POST',
    path: '/api/v1/callbacks/{key}',
    summary: 'Resume the pause waiting on a callback key, or hold the callback for it',
    description:
      '200 with the execution when one is paused on `key` (a `pause` step’s `callback_key`): it resumes with `resume_data` exactly as POST /executions/{id}/resume would. 202 `{"held": true, "expires_at"}` when none waits yet: the callback is held for CALLBACK_HOLD and the first execution that pauses on the key consumes it in the pausing transaction, exactly once. 409 when a callback is already held for the key, or a racing resume won. A key is 1-200 characters of A-Z a-z 0-9 : _ . -',
    permissions: ['callback:send'],
    idempotent: true,
    body: ZSendCallback,
    bodyOptional: true,
    response: ZExecution,
    otherResponses: { 202: { description: 'Held: nobody waits on the key yet', schema: ZHeldCallback } },
    errors: ['not_paused', 'pause_expired', 'conflict'],
  },
  listCallbacks: {
    method: 'GET',
    path: '/api/v1/callbacks',
    summary: 'List callbacks: held, consumed, expired',
    description: 'Oldest first, keyset-paged. A held callback past CALLBACK_HOLD is marked expired by the worker.',
    permissions: ['execution:read'],
    query: ZListCallbacks,
    response: ZCallbackList,
  },
  listNotifications: {
    method: 'GET',
    path: '/api/v1/notifications',
    summary: 'The notification outbox, newest first (the built-in mail catcher)',
    permissions: ['notification:read'],
    query: ZListNotifications,
    response: ZNotificationList,
  },
  getDecisionLink: {
    method: 'GET',
    path: '/api/v1/decision-links/{token}',
    summary: 'What a decision link shows: the request, its payload, the decisions so far',
    description:
      'No credentials: the token in the path is the credential (it acts as the person the link was mailed to, for one request). A GET never decides. `csrf_token` (null once the link is closed) goes in the `X-CSRF-Token` header of the decision. 404 for a token that is not one of ours.',
    auth: 'public',
    permissions: [],
    response: ZDecisionLink,
    errors: ['not_found'],
  },
  approveByDecisionLink: {
    method: 'POST',
    path: '/api/v1/decision-links/{token}/approve',
    summary: 'Approve through a decision link',
    description: DECISION_LINK_POST,
    auth: 'public',
    permissions: [],
    body: ZDecideApproval,
    bodyOptional: true,
    response: ZDecisionLink,
    errors: ['not_found', 'forbidden', 'self_approval', 'link_closed', 'payload_changed'],
  },
  rejectByDecisionLink: {
    method: 'POST',
    path: '/api/v1/decision-links/{token}/reject',
    summary: 'Reject through a decision link',
    description: DECISION_LINK_POST,
    auth: 'public',
    permissions: [],
    body: ZDecideApproval,
    bodyOptional: true,
    response: ZDecisionLink,
    errors: ['not_found', 'forbidden', 'self_approval', 'link_closed', 'payload_changed'],
  },
} as const satisfies Record<string, RouteSpec>;

export type RouteName = keyof typeof ROUTES;

/** The entries as RouteSpec (for code that walks the whole table). */
export const ROUTE_ENTRIES = Object.entries(ROUTES) as [RouteName, RouteSpec][];
