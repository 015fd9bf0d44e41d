import { z } from 'zod';
import { rowMapper, type DbOrTx } from '../../db/client';
import { runStatement } from '../../db/sql';
import { Placeholders } from '../../db/sql/page-first';
import { approvalRequests, type ApprovalDecisionRow, type ApprovalRow } from '../../db/schema';
import type { JsonObject } from '../engine/execute-step';
import { APPROVAL_STATUSES, type Decision, type ExecutionStatus } from '../engine/state-machine';
import { AppError } from '../errors';
import { decodeKeysetCursor, encodeKeysetCursor, MAX_PAGE_SIZE, PAGE_QUERY } from '../pagination';
import type { Actor } from '../access/permissions';
import { toApprovalDtos, type ApprovalListDto } from './approval-dto';
import { decidedByText, forMeScope, forMeText, type ForMeScope } from './assignment';

/** `?for=me` / `?decided_by=me`, resolved for the caller (null: matches nothing). */
type WhoFilter = { forMe?: ForMeScope | null; decidedBy?: string | null };

export const ZListApprovals = z.strictObject({
  status: z.enum(APPROVAL_STATUSES).optional().meta({ description: 'Default pending; with decided_by=me, any status' }),
  for: z.enum(['me']).optional().meta({ description: 'me: the pending requests I may decide now (assigned to me, my role or someone who delegated to me; not voted on by me; not started or paused by me)' }),
  decided_by: z.enum(['me']).optional().meta({ description: 'me: the requests I voted on' }),
  ...PAGE_QUERY,
});
export type ListApprovalsInput = z.infer<typeof ZListApprovals>;

const fromApproval = rowMapper<ApprovalRow>(approvalRequests);

/**
 * The inbox statement. The page of requests is chosen first, from idx_approvals_status_created;
 * then each of its rows gets its execution (by primary key), its workflow's name and its decisions
 * (by uq_decisions_approval_actor) — lookups for the page's rows, never a join over every request.
 *
 * The walk is capped by a literal LIMIT of the largest page (+1) inside the page's own hidden LIMIT:
 * with only the hidden one, PostgreSQL 15 plans to fetch a tenth of the matches, and at tens of
 * thousands of pending requests a parallel seq scan with a top-N sort (23 ms at 65,000) beats that
 * walk in its cost model; knowing it needs at most 101 rows, the index walk wins on 15 and 18 alike.
 *
 * More filters go into `where`, on the page's own columns, so the page stays index-first. For the
 * inbox's `?for=me` (assigned to me or my role, not voted by me): `a.status = 'pending'` (a literal,
 * so a partial index applies), `(approver_role = $role or approver_role is null or <assigned to me>)`
 * and `not exists (select 1 from approval_decisions d where d.approval_id = approval_requests.id
 * and d.actor = $me offset 0)` — the OFFSET keeps it a per-row probe of uq_decisions_approval_actor
 * for the rows the index walk visits, instead of an anti-join over every request. The walk then
 * skips the pending requests of other roles; where those are many, the index it needs is
 * `(approver_role, created_at, id) where status = 'pending'`, one ordered walk per alternative
 * (my role; no role; assigned to me) merged under the LIMIT.
 */
function listApprovalsStatement(input: ListApprovalsInput, who: WhoFilter | null) {
  const p = new Placeholders();
  const status = input.status ?? (input.decided_by ? undefined : 'pending');
  const where = status ? [`status = ${p.hidden(status, '::text')}`] : [];
  // Who-filters (lib/core/approvals/assignment.ts): predicates on the page's own rows, each a per-row
  // probe by key, so the page stays index-first.
  if (who?.forMe !== undefined) where.push(forMeText(p, who.forMe));
  if (who?.decidedBy !== undefined) where.push(decidedByText(p, who.decidedBy));
  if (input.cursor) {
    const { at, id } = decodeKeysetCursor(input.cursor);
    where.push(`(created_at, id) > (${p.hidden(at.toISOString(), '::timestamptz')}, ${p.hidden(id, '::uuid')})`);
  }
  const text = `select a.*, x.workflow_id as wr_workflow_id, x.workflow_name as wr_workflow_name, x.status as wr_execution_status,
         x.started_by as wr_started_by, x.paused_by as wr_paused_by, x.trigger_payload as wr_trigger_payload,
         x.resume_count as wr_resume_count, x.paused_at as wr_paused_at,
         (select coalesce(json_agg(json_build_object('id', d.id, 'actor', d.actor, 'decision', d.decision, 'comment', d.comment, 'on_behalf_of', d.on_behalf_of, 'created_at', d.created_at, 'payload_version', d.payload_version, 'data', d.data)
                   order by d.created_at, d.id), '[]'::json)
            from approval_decisions d where d.approval_id = a.id) as wr_decisions
    from (select * from (select * from approval_requests
                          where ${where.join(' and ')}
                          order by created_at, id
                          limit ${MAX_PAGE_SIZE + 1}) capped
           order by created_at, id
           limit ${p.hidden(input.limit + 1, '::int')}) a
    cross join lateral (
      select e.workflow_id, (select w.name from workflows w where w.id = e.workflow_id) as workflow_name, e.status, e.started_by, e.paused_by,
             e.trigger_payload, e.resume_count, e.paused_at
        from workflow_executions e
       where e.id = a.execution_id
       limit 1) x
   order by a.created_at, a.id`;
  const shape = `${input.cursor ? 'c' : ''}${status ? 's' : ''}${who?.forMe === undefined ? '' : who.forMe === null ? 'n' : who.forMe.anyAdmin ? 'M' : 'm'}${who?.decidedBy === undefined ? '' : who.decidedBy === null ? 'n' : 'd'}`;
  return { name: `wr_list_approvals_${shape}`, text, values: p.values };
}

type DecisionJson = { id: string; actor: string; decision: Decision; comment: string | null; on_behalf_of: string | null; created_at: string; payload_version: number; data: JsonObject | null };
/** A row of the inbox statement, as the driver gives it: the request's own columns plus these. */
type InboxRow = Record<string, unknown> & {
  wr_workflow_id: string;
  wr_workflow_name: string;
  wr_execution_status: ExecutionStatus;
  wr_started_by: string;
  wr_paused_by: string | null;
  wr_trigger_payload: JsonObject;
  wr_resume_count: number;
  /** Text, as the driver gives timestamps (runStatement). */
  wr_paused_at: string | null;
  wr_decisions: DecisionJson[];
};

/** Approval requests of one status, oldest first, keyset-paged on (created_at, id). */
export async function listApprovals(db: DbOrTx, input: ListApprovalsInput, now = new Date(), actor?: Actor) {
  if (input.for === 'me' && input.status && input.status !== 'pending') throw new AppError('validation_failed', 'for=me lists pending requests; leave out status');
  const who: WhoFilter = {
    forMe: input.for === 'me' ? await forMeScope(db, actor, now) : undefined,
    decidedBy: input.decided_by === 'me' ? (actor?.id ?? null) : undefined,
  };
  const list = listApprovalsStatement(input, who);
  const rows = (await runStatement(db, list, list.values)) as InboxRow[];
  const page = rows.slice(0, input.limit);
  const decisions: ApprovalDecisionRow[] = [];
  const joined = page.map((r) => {
    const a = fromApproval(r);
    for (const d of r.wr_decisions) {
      decisions.push({ id: d.id, approvalId: a.id, actor: d.actor, decision: d.decision, comment: d.comment, onBehalfOf: d.on_behalf_of, createdAt: new Date(d.created_at), payloadVersion: d.payload_version, data: d.data });
    }
    return {
      a,
      workflowId: r.wr_workflow_id,
      workflowName: r.wr_workflow_name,
      execution: {
        status: r.wr_execution_status,
        startedBy: r.wr_started_by,
        pausedBy: r.wr_paused_by,
        triggerPayload: r.wr_trigger_payload,
        resumeCount: r.wr_resume_count,
        pausedAt: r.wr_paused_at === null ? null : new Date(r.wr_paused_at),
      },
    };
  });
  const last = joined[joined.length - 1];
  return {
    approvals: await toApprovalDtos(db, joined, now, { decisions }),
    count: joined.length,
    next_cursor: rows.length > input.limit && last ? encodeKeysetCursor(last.a.createdAt, last.a.id) : null,
  } satisfies ApprovalListDto;
}
