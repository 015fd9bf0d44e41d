import { z } from 'zod';
import type { DbOrTx } from '../../db/client';
import { runStatement } from '../../db/sql';
import { Placeholders } from '../../db/sql/page-first';
import { decodeKeysetCursor, encodeKeysetCursor, PAGE_QUERY } from '../pagination';
import type { PausedExecutionDto, PausedListDto } from './paused-execution-dto';
import { findWorkflowRow } from '../workflows/workflows';

export const ZListPaused = z.strictObject({
  ...PAGE_QUERY,
  workflow_id: z.string().min(1).max(100).optional(),
  reason: z.string().max(200).optional(),
  /** Only pauses that began before this time (the console's "over 24 h" view). */
  paused_before: z.iso.datetime({ offset: true }).optional(),
});
export type ListPausedInput = z.infer<typeof ZListPaused>;

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

/**
 * Which paused executions a list shows: the predicates on their own columns (shared by the page and
 * its counts) and the statements' name suffix, which says which filters are present.
 */
type PausedFilter = { shape: string; where: string[]; p: Placeholders };

function pausedFilter(input: ListPausedInput, workflowId: string | null): PausedFilter {
  const p = new Placeholders();
  // `pause_kind is not null` holds for every pause; saying it is what lets the list use
  // idx_executions_paused_at, which no worker claim can use (migration 0006).
  const where = [`status = 'paused'`, `pause_kind is not null`];
  if (workflowId) where.push(`workflow_id = ${p.hidden(workflowId, '::uuid')}`);
  // The text match behind a subselect too: PostgreSQL then assumes half the rows match instead of
  // guessing "almost none" from the pattern — a guess that makes it read every paused execution and
  // sort the matches rather than walk the index until the page is full.
  if (input.reason) where.push(`(select paused_reason ilike ${p.add(`%${escapeLike(input.reason)}%`, '::text')})`);
  // A bound in the index's own order: the walk starts at the oldest and stops at the bound.
  if (input.paused_before) where.push(`paused_at < ${p.hidden(new Date(input.paused_before).toISOString(), '::timestamptz')}`);
  return { shape: `${workflowId ? 'w' : ''}${input.reason ? 'r' : ''}${input.paused_before ? 'b' : ''}`, where, p };
}

async function fullCount(db: DbOrTx, f: PausedFilter): Promise<number> {
  const text = `select count(*)::int as n from workflow_executions where ${f.where.join(' and ')}`;
  return ((await runStatement(db, { name: `wr_paused_count_${f.shape}`, text }, f.p.values))[0]?.n as number) ?? 0;
}

/**
 * How many match, counting at most TOTAL_EXACT_UP_TO + 1 rows — walked in the list's own index
 * order, so it reads the same index as the page and stops.
 */
async function boundedCount(db: DbOrTx, f: PausedFilter): Promise<number> {
  const p = f.p.extend();
  const text = `select count(*)::int as n from (select 1 from workflow_executions where ${f.where.join(' and ')}
     order by paused_at, id limit ${p.hidden(TOTAL_EXACT_UP_TO + 1, '::int')}) bounded`;
  return ((await runStatement(db, { name: `wr_paused_bounded_count_${f.shape}`, text }, p.values))[0]?.n as number) ?? 0;
}

/**
 * How many executions match. A recent full count of a large set is served from a per-process cache
 * (refreshed in the background once older than TOTAL_MAX_AGE_MS); otherwise a count bounded at
 * TOTAL_EXACT_UP_TO + 1 rows answers small totals exactly, and only a larger one pays a full count.
 */
/** `key` names the filters (the same filters, the same key; none at all: `[null,null,null]`). */
async function pausedTotal(db: DbOrTx, f: PausedFilter, key: string): Promise<number> {
  let byKey = totalCache.get(db);
  if (!byKey) totalCache.set(db, (byKey = new Map()));
  const hit = byKey.get(key);
  if (hit && Date.now() - hit.at <= TOTAL_MAX_AGE_MS) return hit.n;

  const n = await boundedCount(db, f);
  if (n <= TOTAL_EXACT_UP_TO) {
    byKey.delete(key);
    return n;
  }
  if (hit && Date.now() - hit.at <= TOTAL_STALE_MS) {
    // Recently stale: answer with it once more and refresh in the background.
    hit.refreshing ??= fullCount(db, f)
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
  const fresh = await fullCount(db, f);
  if (byKey.size >= TOTAL_CACHE_KEYS) byKey.clear();
  byKey.set(key, { n: fresh, at: Date.now(), refreshing: null });
  return fresh;
}

/** PostgreSQL writes timestamps in JSON as 2026-01-02T03:04:05.6+00:00; the API writes toISOString(). */
const iso = (v: string | null) => (v === null ? null : new Date(v).toISOString());

/**
 * The list statement: the page of paused executions is chosen from idx_executions_paused_at — or
 * idx_executions_paused_workflow with a workflow — first, and only its rows get their workflow's
 * name, their approval (the latest request and its decisions, by idx_approvals_execution and
 * uq_decisions_approval_actor) and their JSON, built by PostgreSQL in the response's shape and key
 * order: the rows reach us as one parsed value each instead of some twenty columns mapped one by
 * one. The text depends only on which filters are present (the statement's name says which).
 */
function listPausedStatement(input: ListPausedInput, f: PausedFilter, now: Date) {
  const p = f.p.extend();
  const where = [...f.where];
  if (input.cursor) {
    const { at, id } = decodeKeysetCursor(input.cursor);
    // A row comparison, so the index scan starts right at the cursor instead of filtering its way there.
    where.push(`(paused_at, id) > (${p.hidden(at.toISOString(), '::timestamptz')}, ${p.hidden(id, '::uuid')})`);
  }
  const text = `select json_build_object(
      'id', e.id, 'workflow_id', e.workflow_id, 'workflow_name', (select w.name from workflows w where w.id = e.workflow_id), 'status', e.status,
      'paused_at', e.paused_at, 'paused_reason', e.paused_reason, 'paused_step_id', e.paused_step_id,
      'next_step_id', e.next_step_id, 'resume_count', e.resume_count,
      'age_seconds', greatest(0, floor(extract(epoch from (${p.add(now.toISOString(), '::timestamptz')} - e.paused_at))))::bigint,
      'pause_kind', e.pause_kind, 'paused_by', e.paused_by, 'started_by', e.started_by, 'trigger_payload', e.trigger_payload,
      'pause_expires_at', e.pause_expires_at, 'decided_at', e.decided_at,
      'approval', case when a.id is null then null else json_build_object(
        'id', a.id, 'status', a.status, 'approvals_received', a.approvals_received,
        'required_approvals', a.required_approvals, 'approver_role', a.approver_role, 'decisions', a.decisions,
        'payload_version', a.payload_version, 'input_schema', a.input_schema, 'editable', a.editable) end) as row
  from (select id, workflow_id, status, paused_at, paused_reason, paused_step_id, next_step_id, resume_count, pause_kind, paused_by,
               started_by, trigger_payload, pause_expires_at, decided_at
          from workflow_executions
         where ${where.join(' and ')}
         order by paused_at, id
         limit ${p.hidden(input.limit + 1, '::int')}) e
  left join lateral (
    select a.id, a.status, a.approvals_received, a.required_approvals, a.approver_role, a.payload_version, a.input_schema, a.editable,
           (select coalesce(json_agg(json_build_object('actor', d.actor, 'decision', d.decision, 'comment', d.comment, 'created_at', d.created_at,
                                                       'payload_version', d.payload_version, 'stale', d.payload_version < a.payload_version, 'data', d.data)
                     order by d.created_at, d.id), '[]'::json)
              from approval_decisions d where d.approval_id = a.id) as decisions
      from approval_requests a
     where a.execution_id = e.id and e.pause_kind = 'approval'
     order by a.created_at desc
     limit 1) a on true
  order by e.paused_at, e.id`;
  return { name: `wr_list_paused_${f.shape}${input.cursor ? 'c' : ''}`, text, values: p.values };
}

/**
 * Paused executions, oldest first, keyset-paged on (paused_at, id) over a partial index. One
 * hand-written statement per shape (filters present or not), prepared once per connection, so it
 * is neither rebuilt by a query builder nor re-planned per request — and its plan is the same
 * whether PostgreSQL plans it generically or for the values at hand.
 */
export async function listPausedExecutions(db: DbOrTx, input: ListPausedInput, now = new Date()) {
  const workflowId = input.workflow_id ? (await findWorkflowRow(db, input.workflow_id)).id : null;
  const filter = pausedFilter(input, workflowId);
  const list = listPausedStatement(input, filter, now);
  const [rows, total] = await Promise.all([
    runStatement(db, list, list.values) as Promise<{ row: PausedExecutionDto }[]>,
    pausedTotal(db, filter, JSON.stringify([workflowId, input.reason ?? null, input.paused_before ?? null])),
  ]);
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
  } satisfies PausedListDto;
}
