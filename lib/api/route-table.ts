import type { z } from 'zod';
import type { Permission } from '../core/access/permissions';
import { ZDecideApproval } from '../core/approvals/decide-approval';
import { ZListApprovals } from '../core/approvals/list-approvals';
import { ZListExecutions } from '../core/executions/list-executions';
import { ZStartExecution } from '../core/executions/start-execution';
import { ZListPaused } from '../core/resumer/list-paused-executions';
import { ZPauseExecution } from '../core/resumer/pause-execution';
import { ZResumeExecution } from '../core/resumer/resume-execution';
import { ZCancelExecution } from '../core/executions/cancel-execution';
import { ZCreateWorkflow } from '../core/workflows/workflows';

export type RouteSpec = {
  method: 'GET' | 'POST';
  /** OpenAPI-style path: /api/v1/executions/{id}/pause */
  path: string;
  summary: string;
  permissions: readonly Permission[];
  /** Honour Idempotency-Key. */
  idempotent?: boolean;
  body?: z.ZodType;
  /** The body may be omitted entirely. */
  bodyOptional?: boolean;
  query?: z.ZodType;
  successStatus?: number;
};

/**
 * Every authenticated /api/v1 route: its permissions (applied by withApiAuth), its input schemas.
 * Route handlers take their options from here, and the OpenAPI document and the authorization
 * matrix test are generated from it, so the three cannot drift apart.
 */
export const ROUTES = {
  listWorkflows: { method: 'GET', path: '/api/v1/workflows', summary: 'List workflows', permissions: ['workflow:read'] },
  createWorkflow: { method: 'POST', path: '/api/v1/workflows', summary: 'Create a workflow', permissions: ['workflow:write'], body: ZCreateWorkflow, successStatus: 201 },
  getWorkflow: { method: 'GET', path: '/api/v1/workflows/{id}', summary: 'Get a workflow by id or key', permissions: ['workflow:read'] },
  listExecutions: { method: 'GET', path: '/api/v1/executions', summary: 'List executions', permissions: ['execution:read'], query: ZListExecutions },
  startExecution: {
    method: 'POST',
    path: '/api/v1/executions',
    summary: 'Start an execution and run it as far as it goes',
    permissions: ['execution:create'],
    body: ZStartExecution,
    successStatus: 201,
  },
  listPausedExecutions: {
    method: 'GET',
    path: '/api/v1/executions/paused',
    summary: 'List paused executions, oldest first',
    permissions: ['execution:read'],
    query: ZListPaused,
  },
  getExecution: { method: 'GET', path: '/api/v1/executions/{id}', summary: 'Get an execution with its events', permissions: ['execution:read'] },
  pauseExecution: {
    method: 'POST',
    path: '/api/v1/executions/{id}/pause',
    summary: 'Pause a running execution',
    permissions: ['execution:cancel'],
    idempotent: true,
    body: ZPauseExecution,
    bodyOptional: true,
  },
  resumeExecution: {
    method: 'POST',
    path: '/api/v1/executions/{id}/resume',
    summary: 'Resume a paused execution with resume_data',
    permissions: ['execution:cancel'],
    idempotent: true,
    body: ZResumeExecution,
    bodyOptional: true,
  },
  cancelExecution: {
    method: 'POST',
    path: '/api/v1/executions/{id}/cancel',
    summary: 'Cancel an execution',
    permissions: ['execution:cancel'],
    idempotent: true,
    body: ZCancelExecution,
    bodyOptional: true,
  },
  streamEvents: {
    method: 'GET',
    path: '/api/v1/events',
    summary: 'Server-Sent Events: executions and approvals as they change',
    permissions: ['execution:read'],
  },
  listApprovals: { method: 'GET', path: '/api/v1/approvals', summary: 'List approval requests', permissions: ['approval:read'], query: ZListApprovals },
  getApproval: { method: 'GET', path: '/api/v1/approvals/{id}', summary: 'Get an approval request', permissions: ['approval:read'] },
  approveApproval: {
    method: 'POST',
    path: '/api/v1/approvals/{id}/approve',
    summary: 'Approve',
    permissions: ['approval:decide'],
    idempotent: true,
    body: ZDecideApproval,
    bodyOptional: true,
  },
  rejectApproval: {
    method: 'POST',
    path: '/api/v1/approvals/{id}/reject',
    summary: 'Reject',
    permissions: ['approval:decide'],
    idempotent: true,
    body: ZDecideApproval,
    bodyOptional: true,
  },
} as const satisfies Record<string, RouteSpec>;

export type RouteName = keyof typeof ROUTES;
