import { and, asc, count, desc, eq, ilike, lt, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { queryNamed, type DbOrTx } from '../../db/client';
import { prepared } from '../../db/prepared';
import { approvalDecisions, approvalRequests, workflowExecutions, workflows } from '../../db/schema';
import { decodeKeysetCursor, encodeKeysetCursor } from '../pagination';
import { findWorkflowRow } from '../workflows/workflows';

export const ZListPaused = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional(),
  workflow_id: z.string().min(1).max(100).optional(),
  reason: z.string().max(200).optional(),
  /** Only pauses that began before this time (the console's "over 24 h" view). */
  paused_before: z.iso.datetime({ offset: true }).optional(),
});
export type ListPausedInput = z.infer<typeof ZListPaused>;

type DecisionDto = { actor: string; decision: string; comment: string | null; created_at: string };

export type PausedExecutionDto = {
  id: string;
  workflow_id: string;
  workflow_name: string;
  status: string;
  paused_at: string;
  paused_reason: string | null;
  paused_step_id: string | null;
  next_step_id: string | null;
  resume_count: number;
  age_seconds: number;
  pause_kind: string | null;
  paused_by: string | null;
  started_by: string;
  trigger_payload: unknown;
  pause_expires_at: string | null;
  decided_at: string | null;
  approval: {
    id: string;
    status: string;
    approvals_received: number;
    required_approvals: number;
    approver_role: string | null;
    decisions: DecisionDto[];
  } | null;
};


function escapeLike(s: string) {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** `total` is exact up to this many paused executions (a bounded count, cheap)… */
export const TOTAL_EXACT_UP_TO = 1000;
/** …and above it a full count at most this old, refreshed in the background (a full count of 100,000 rows takes ~20 ms). */
export const TOTAL_MAX_AGE_MS = 2000;
/** Past this age a cached count is not used at all (the list was not asked for in a while). */
const TOTAL_STALE_MS = 15_000;
const TOTAL_CACHE_KEYS = 500;

type TotalEntry = { n: number; at: number; refreshing: Promise<void> | null };
const totalCache = new WeakMap<object, Map<string, TotalEntry>>();

async function fullCount(db: DbOrTx, filters: SQL[]): Promise<number> {
  const [row] = await db.select({ n: count() }).from(workflowExecutions).where(and(...filters));
  return row?.n ?? 0;
}

const BOUNDED_ALL_PAUSED_SQL = `select count(*)::int as n from (select 1 from workflow_executions where status = 'paused' limit ${TOTAL_EXACT_UP_TO + 1}) bounded`;

/** How many match, counting at most TOTAL_EXACT_UP_TO + 1 rows. */
async function boundedCount(db: DbOrTx, filters: SQL[], key: string): Promise<number> {
  // The unfiltered list (the inbox's default) is asked for most: a fixed prepared statement.
  if (key === '\u0000') return ((await queryNamed(db, 'wr_paused_bounded_count', BOUNDED_ALL_PAUSED_SQL, []))[0]?.n as number) ?? 0;
  const bounded = db
    .select({ one: sql`1` })
    .from(workflowExecutions)
    .where(and(...filters))
    .limit(TOTAL_EXACT_UP_TO + 1)
    .as('bounded');
  const [small] = await db.select({ n: count() }).from(bounded);
  return small?.n ?? 0;
}

/**
 * How many executions match. A recent full count of a large set is served from a per-process cache
 * (refreshed in the background once older than TOTAL_MAX_AGE_MS); otherwise a count bounded at
 * TOTAL_EXACT_UP_TO + 1 rows answers small totals exactly, and only a larger one pays a full count.
 */
async function pausedTotal(db: DbOrTx, filters: SQL[], key: string): Promise<number> {
  let byKey = totalCache.get(db);
  if (!byKey) totalCache.set(db, (byKey = new Map()));
  const hit = byKey.get(key);
  if (hit && Date.now() - hit.at <= TOTAL_MAX_AGE_MS) return hit.n;

  const n = await boundedCount(db, filters, key);
  if (n <= TOTAL_EXACT_UP_TO) {
    byKey.delete(key);
    return n;
  }
  if (hit && Date.now() - hit.at <= TOTAL_STALE_MS) {
    // Recently stale: answer with it once more and refresh in the background.
    hit.refreshing ??= fullCount(db, filters)
      .then((fresh) => {
        hit.n = fresh;
        hit.at = Date.now();
      })
      .catch(() => undefined)
      .finally(() => {
        hit.refreshing = null;
      });
    return hit.n;
  }
  const fresh = await fullCount(db, filters);
  if (byKey.size >= TOTAL_CACHE_KEYS) byKey.clear();
  byKey.set(key, { n: fresh, at: Date.now(), refreshing: null });
  return fresh;
}

/** PostgreSQL writes timestamps in JSON as 2026-01-02T03:04:05.6+00:00; the API writes toISOString(). */
const iso = (v: string | null) => (v === null ? null : new Date(v).toISOString());

/**
 * Paused executions, oldest first, keyset-paged on (paused_at, id) over a partial index. One
 * statement — the approvals joined in, each row's JSON built by PostgreSQL — prepared once per
 * shape (filters present or not) and per connection, so it is neither rebuilt nor re-planned per request.
 */
export async function listPausedExecutions(db: DbOrTx, input: ListPausedInput, now = new Date()) {
  const filters: SQL[] = [eq(workflowExecutions.status, 'paused')];
  const pageFilters: SQL[] = [eq(workflowExecutions.status, 'paused')];
  const params: Record<string, unknown> = { now: now.toISOString(), limit: input.limit + 1 };
  const workflowId = input.workflow_id ? (await findWorkflowRow(db, input.workflow_id)).id : null;
  if (workflowId) {
    filters.push(eq(workflowExecutions.workflowId, workflowId));
    pageFilters.push(eq(workflowExecutions.workflowId, sql.placeholder('workflowId')));
    params.workflowId = workflowId;
  }
  if (input.reason) {
    filters.push(ilike(workflowExecutions.pausedReason, `%${escapeLike(input.reason)}%`));
    pageFilters.push(ilike(workflowExecutions.pausedReason, sql.placeholder('reason')));
    params.reason = `%${escapeLike(input.reason)}%`;
  }
  if (input.paused_before) {
    filters.push(lt(workflowExecutions.pausedAt, new Date(input.paused_before)));
    pageFilters.push(lt(workflowExecutions.pausedAt, sql.placeholder('pausedBefore')));
    params.pausedBefore = new Date(input.paused_before).toISOString();
  }
  if (input.cursor) {
    const { at, id } = decodeKeysetCursor(input.cursor);
    // A row comparison, so the index on (paused_at, id) starts right at the cursor instead of
    // filtering its way there.
    pageFilters.push(sql`(${workflowExecutions.pausedAt}, ${workflowExecutions.id}) > (${sql.placeholder('at')}::timestamptz, ${sql.placeholder('id')}::uuid)`);
    params.at = at.toISOString();
    params.id = id;
  }
  const shape = `wr_list_paused_${workflowId ? 'w' : ''}${input.reason ? 'r' : ''}${input.paused_before ? 'b' : ''}${input.cursor ? 'c' : ''}`;
  const query = prepared(db, shape, (d) => {
    // The approval behind each approval pause — its latest request and the decisions so far — joined
    // in the same statement (a lateral subquery per row, over idx_approvals_execution), not queried after.
    const approval = d
      .select({
        id: approvalRequests.id,
        status: approvalRequests.status,
        approvalsReceived: approvalRequests.approvalsReceived,
        requiredApprovals: approvalRequests.requiredApprovals,
        approverRole: approvalRequests.approverRole,
        decisions: sql<DecisionDto[]>`(
          select coalesce(json_agg(json_build_object('actor', d.actor, 'decision', d.decision, 'comment', d.comment, 'created_at', d.created_at)
                   order by d.created_at, d.id), '[]'::json)
          from ${approvalDecisions} d where d.approval_id = "approval_requests"."id")`.as('decisions'),
      })
      .from(approvalRequests)
      .where(and(eq(approvalRequests.executionId, workflowExecutions.id), eq(workflowExecutions.pauseKind, 'approval')))
      .orderBy(desc(approvalRequests.createdAt))
      .limit(1)
      .as('approval');
    const e = workflowExecutions;
    // PostgreSQL builds each row's JSON, in the response's shape and key order: the rows reach us as
    // one parsed value each instead of some twenty columns mapped one by one.
    const row = sql<PausedExecutionDto>`json_build_object(
        'id', ${e.id}, 'workflow_id', ${e.workflowId}, 'workflow_name', ${workflows.name}, 'status', ${e.status},
        'paused_at', ${e.pausedAt}, 'paused_reason', ${e.pausedReason}, 'paused_step_id', ${e.pausedStepId},
        'next_step_id', ${e.nextStepId}, 'resume_count', ${e.resumeCount},
        'age_seconds', greatest(0, floor(extract(epoch from (${sql.placeholder('now')}::timestamptz - ${e.pausedAt}))))::bigint,
        'pause_kind', ${e.pauseKind}, 'paused_by', ${e.pausedBy}, 'started_by', ${e.startedBy}, 'trigger_payload', ${e.triggerPayload},
        'pause_expires_at', ${e.pauseExpiresAt}, 'decided_at', ${e.decidedAt},
        'approval', case when ${approval.id} is null then null else json_build_object(
          'id', ${approval.id}, 'status', ${approval.status}, 'approvals_received', ${approval.approvalsReceived},
          'required_approvals', ${approval.requiredApprovals}, 'approver_role', ${approval.approverRole}, 'decisions', ${approval.decisions}) end)`;
    const query = d
      .select({ row })
      .from(e)
      .innerJoin(workflows, eq(workflows.id, e.workflowId))
      .leftJoinLateral(approval, sql`true`)
      .where(and(...pageFilters))
      .orderBy(asc(e.pausedAt), asc(e.id))
      .limit(sql.placeholder('limit'))
      .prepare(shape);
    return query;
  });
  const [rows, total] = await Promise.all([query.execute(params), pausedTotal(db, filters, `${workflowId ?? ''}\u0000${input.reason ?? ''}${input.paused_before ? `\u0000${input.paused_before}` : ''}`)]);
  const executions = rows.slice(0, input.limit).map(({ row: r }) => ({
    ...r,
    paused_at: iso(r.paused_at)!,
    pause_expires_at: iso(r.pause_expires_at),
    decided_at: iso(r.decided_at),
    approval: r.approval && { ...r.approval, decisions: r.approval.decisions.map((d) => ({ ...d, created_at: iso(d.created_at)! })) },
  }));
  const last = executions[executions.length - 1];
  return {
    executions,
    count: executions.length,
    total,
    next_cursor: rows.length > input.limit && last ? encodeKeysetCursor(new Date(last.paused_at), last.id) : null,
  };
}
