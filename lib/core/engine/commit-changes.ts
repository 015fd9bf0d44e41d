import { PgTransaction } from 'drizzle-orm/pg-core';
import { rowMapper, type DbOrTx } from '../../db/client';
import { approvalRequests, workflowExecutions, type ExecutionRow } from '../../db/schema';
import { runStatement } from '../../db/sql';
import { commitStatement, INSERT_EVENTS, INSERT_NEW_EXECUTION, WRITTEN_COLUMNS } from '../../db/sql/commit-execution';
import { PAUSE_EXECUTION } from '../../db/sql/pause-execution';
import { AppError } from '../errors';
import { notifyRequestsOpened } from '../notifications/outbox';
import { pausesOnNewKey, settleCallbackPauses } from '../callbacks/settle-callback-pauses';
import type { ExecutionChange, ExecutionEvent } from './execution-change';
import { sourcesOf } from './state-machine';

/** With `notify`, a NOTIFY on that channel per updated execution (payload: its id), in the same statement. */
export type CommitOptions = { notify?: string };

function toParam(value: unknown, arrayType: string): unknown {
  if (value === null || value === undefined) return null;
  if (arrayType === 'jsonb[]') return JSON.stringify(value);
  if (value instanceof Date) return value.toISOString();
  return value;
}

function eventParams(events: readonly ExecutionEvent[]): unknown[] {
  return [
    events.map((e) => e.executionId),
    events.map((e) => e.type),
    events.map((e) => e.stepId ?? null),
    events.map((e) => e.actor),
    events.map((e) => toParam(e.data, 'jsonb[]')),
    events.map((e) => toParam(e.createdAt, 'timestamptz[]')),
  ];
}

const CONFLICT = 'the execution was changed by another request; retry';
/** The start's workflow was deleted or disabled after it was looked up (startExecution looks again). */
export const WORKFLOW_GONE = 'the workflow was changed while starting; retry';

/**
 * The one write path of an execution's state (ExecutionChange gathers the changes; the state machine
 * was checked as each was made). Writes one change or a whole batch in a fixed number of statements:
 * one INSERT for the approval requests opened (and their outbox rows), then one statement with the
 * compare-and-set UPDATE of every changed row (its version must still be the one read; it goes up by
 * one) and all the timeline events. Throws 409 `conflict` when a version moved.
 *
 * Outside a transaction (`db` the pool) a change that opens no approval request is a single statement,
 * atomic on its own (the optimistic resume); one that opens approvals needs a transaction.
 */
export async function commitChanges(db: DbOrTx, changes: readonly ExecutionChange[], now: Date, opts: CommitOptions = {}): Promise<ExecutionRow[]> {
  const created = changes.filter((c) => c.isNew);
  if (created.length > 0) {
    const [only] = changes;
    // The usual start: the row as its first steps left it and its timeline, one statement.
    if (changes.length === 1 && only!.approvals.length === 0 && !pausesOnNewKey(only!) && !opts.notify) return [await insertNewExecution(db, only!, now)];
    // Approval requests and callback settlements refer to the row: it is inserted as created, then
    // written below as any other change (compare-and-set on version 0), in the caller's transaction.
    if (!(db instanceof PgTransaction)) throw new Error('a new execution that opens approval requests or pauses on a callback key needs a transaction');
    for (const c of created) if (!(await insertExecutionRow(db, c.original, c.original.version, now, []))) throw new AppError('conflict', WORKFLOW_GONE);
  }
  // A pause on a callback key: the key's holder checked and a held callback consumed, before anything is written.
  if (changes.some(pausesOnNewKey)) {
    if (!(db instanceof PgTransaction)) throw new Error('a change that pauses on a callback key needs a transaction');
    await settleCallbackPauses(db, changes, now);
  }
  const patched = changes.filter((c) => c.changed);
  // Approval requests first: nothing below refers to them, and the CAS failing rolls them back too.
  // Their notifications (the outbox) are written with them, in the same transaction.
  const approvals = changes.flatMap((c) => c.approvals);
  if (approvals.length > 0) {
    if (!(db instanceof PgTransaction)) throw new Error('a change that opens approval requests needs a transaction');
    await db.insert(approvalRequests).values(approvals);
    await notifyRequestsOpened(db, changes.flatMap((c) => c.approvals.map((a) => ({ approval: a, execution: c.current }))), now);
  }
  const events = changes.flatMap((c) => c.events);
  if (patched.length > 0) {
    const values: unknown[] = [now.toISOString(), patched.map((c) => c.original.id), patched.map((c) => c.original.version)];
    for (const col of WRITTEN_COLUMNS) values.push(patched.map((c) => toParam(c.current[col.key], col.arrayType)));
    if (events.length > 0) values.push(...eventParams(events));
    if (opts.notify) values.push(opts.notify);
    // The rows and their events in one statement (one round trip); a failed compare-and-set throws
    // below and the transaction rolls back everything else.
    const rows = await runStatement(db, commitStatement({ events: events.length > 0, notify: !!opts.notify }), values);
    if (rows.length !== patched.length) throw new AppError('conflict', CONFLICT);
  } else if (events.length > 0) {
    await runStatement(db, INSERT_EVENTS, eventParams(events));
  }
  return changes.map((c) => {
    const row = c.changed ? ({ ...c.current, version: c.original.version + 1, updatedAt: now } as ExecutionRow) : c.original;
    c.events = [];
    c.approvals = [];
    return row;
  });
}

/** A new execution (ExecutionChange with `isNew`) written as its steps left it, with its events. */
async function insertNewExecution(db: DbOrTx, change: ExecutionChange, now: Date): Promise<ExecutionRow> {
  const version = change.changed ? change.original.version + 1 : change.original.version;
  if (!(await insertExecutionRow(db, change.current, version, now, change.events))) throw new AppError('conflict', WORKFLOW_GONE);
  change.events = [];
  return { ...change.current, version, startedAt: now, updatedAt: now };
}

/**
 * One INSERT statement: the execution `row` at `version` and its timeline events. False (nothing
 * written) when its workflow no longer exists or was disabled since the start looked it up.
 */
async function insertExecutionRow(db: DbOrTx, row: ExecutionRow, version: number, now: Date, events: readonly ExecutionEvent[]): Promise<boolean> {
  const values: unknown[] = [row.id, row.workflowId, JSON.stringify(row.triggerPayload), now.toISOString(), row.startedBy, version];
  for (const col of WRITTEN_COLUMNS) values.push(toParam(row[col.key], col.arrayType));
  values.push(...eventParams(events));
  return (await runStatement(db, INSERT_NEW_EXECUTION, values)).length === 1;
}

/** Timeline events about an execution whose state does not change (reminders, escalations). */
export async function appendEvents(db: DbOrTx, events: readonly ExecutionEvent[]): Promise<void> {
  if (events.length > 0) await runStatement(db, INSERT_EVENTS, eventParams(events));
}

const fromDriver = rowMapper<ExecutionRow>(workflowExecutions);
const PAUSABLE = sourcesOf('paused');

/**
 * The manual pause: the one transition that reads nothing first, because it is a measured hot path
 * of one round trip (lib/db/sql/pause-execution.ts). Its compare-and-set is on the status — one the
 * state machine lets move to paused (sourcesOf) — instead of the version. Returns the paused
 * execution, or null when it was not in such a status (or does not exist).
 */
export async function commitManualPause(
  db: DbOrTx,
  p: { id: string; now: Date; reason: string; actor: string; expiresAt: Date },
): Promise<ExecutionRow | null> {
  const [raw] = await runStatement(db, PAUSE_EXECUTION, [p.id, p.now.toISOString(), p.reason, p.actor, p.expiresAt.toISOString(), PAUSABLE]);
  return raw ? fromDriver(raw) : null;
}
