import { getTableColumns, getTableName } from 'drizzle-orm';
import { executionEvents, workflowExecutions, workflows } from '../schema';
import type { Statement } from './index';

/**
 * The execution columns a change may write, with the PostgreSQL array type they travel in
 * (the statements below write a whole batch of rows with unnest).
 */
export const WRITTEN_COLUMNS = (
  [
    ['status', 'text[]'],
    ['context', 'jsonb[]'],
    ['currentStepId', 'text[]'],
    ['wakeAt', 'timestamptz[]'],
    ['waitingUntil', 'timestamptz[]'],
    ['completedAt', 'timestamptz[]'],
    ['error', 'text[]'],
    ['pausedAt', 'timestamptz[]'],
    ['pausedReason', 'text[]'],
    ['pausedStepId', 'text[]'],
    ['nextStepId', 'text[]'],
    ['resumeData', 'jsonb[]'],
    ['resumeCount', 'int[]'],
    ['lastResumedAt', 'timestamptz[]'],
    ['pauseKind', 'text[]'],
    ['pausedBy', 'text[]'],
    ['pauseExpiresAt', 'timestamptz[]'],
    ['decidedAt', 'timestamptz[]'],
    ['pauseWarnedAt', 'timestamptz[]'],
    ['stepsRun', 'int[]'],
    ['callbackKey', 'text[]'],
  ] as const
).map(([key, arrayType]) => ({ key, arrayType, name: getTableColumns(workflowExecutions)[key].name }));

/** The event columns, in the order of their parameters, and their array types. */
export const EVENT_ARRAY_TYPES = ['uuid', 'text', 'text', 'text', 'jsonb', 'timestamptz'] as const;

const EXECUTIONS = getTableName(workflowExecutions);
const EVENTS = getTableName(executionEvents);
const WORKFLOWS = getTableName(workflows);

// $1 now, $2 ids, $3 versions as read, $4… one array per written column.
const UPDATE = `update ${EXECUTIONS} as e
   set ${WRITTEN_COLUMNS.map((c) => `${c.name} = v.${c.name}`).join(', ')}, version = e.version + 1, updated_at = $1
  from unnest($2::uuid[], $3::int[], ${WRITTEN_COLUMNS.map((c, i) => `$${i + 4}::${c.arrayType}`).join(', ')})
       as v(id, version, ${WRITTEN_COLUMNS.map((c) => c.name).join(', ')})
 where e.id = v.id and e.version = v.version
returning e.id`;

const FIRST_EVENT_PARAM = 4 + WRITTEN_COLUMNS.length;
const NOTIFY_PARAM = FIRST_EVENT_PARAM + EVENT_ARRAY_TYPES.length;

/** Timeline events only: $1… one array per event column. */
export const INSERT_EVENTS: Statement = {
  name: 'wr_commit_events',
  text: `insert into ${EVENTS} (execution_id, type, step_id, actor, data, created_at)
select * from unnest(${EVENT_ARRAY_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`,
};

/**
 * The compare-and-set UPDATE of a batch of executions, optionally with their timeline events and a
 * NOTIFY per updated row — one statement, so that outside a transaction it is atomic on its own.
 * The events are those of the rows the compare-and-set actually updated, in the order given: a lost
 * race leaves no events behind.
 */
export function commitStatement(opts: { events: boolean; notify: boolean }): Statement {
  const events = opts.events
    ? `, events as (
insert into ${EVENTS} (execution_id, type, step_id, actor, data, created_at)
select ev.execution_id, ev.type, ev.step_id, ev.actor, ev.data, ev.created_at
  from unnest(${EVENT_ARRAY_TYPES.map((t, i) => `$${i + FIRST_EVENT_PARAM}::${t}[]`).join(', ')})
       with ordinality as ev(execution_id, type, step_id, actor, data, created_at, n)
 where ev.execution_id in (select id from updated)
 order by ev.n)`
    : '';
  // The channel's parameter comes after the events' (or takes their place).
  const notify = opts.notify ? `, pg_notify($${opts.events ? NOTIFY_PARAM : FIRST_EVENT_PARAM}::text, id::text)` : '';
  return {
    name: `wr_commit_update${opts.events ? '_events' : ''}${opts.notify ? '_notify' : ''}`,
    text: `with updated as (${UPDATE})${events}
select id${notify} from updated`,
  };
}

export const COMMIT_STATEMENTS = [false, true].flatMap((events) => [false, true].map((notify) => commitStatement({ events, notify })));

/**
 * A new execution in the state its first run of steps left it, with its timeline events — one
 * statement, atomic on its own (a start that opens no approval request: no transaction, one WAL flush).
 * $1 id, $2 workflow id, $3 trigger payload, $4 now (started_at, updated_at), $5 started by,
 * $6 version, $7… one value per written column, then one array per event column. The events' foreign
 * key is checked at the end of the statement, when the row is there. Writes nothing (and returns no
 * row) unless the workflow still exists and is enabled: the start may have found it in the
 * process's cache (lib/core/workflows/workflows.ts), and this is where that answer is checked.
 */
const INSERT_FIRST_WRITTEN = 7;
const INSERT_FIRST_EVENT = INSERT_FIRST_WRITTEN + WRITTEN_COLUMNS.length;
export const INSERT_NEW_EXECUTION: Statement = {
  name: 'wr_commit_insert_events',
  text: `with created as (
insert into ${EXECUTIONS} (id, workflow_id, trigger_payload, started_at, started_by, version, updated_at, ${WRITTEN_COLUMNS.map((c) => c.name).join(', ')})
select $1::uuid, $2::uuid, $3::jsonb, $4::timestamptz, $5::text, $6::int, $4::timestamptz, ${WRITTEN_COLUMNS.map((c, i) => `$${i + INSERT_FIRST_WRITTEN}::${c.arrayType.slice(0, -2)}`).join(', ')}
 where exists (select 1 from ${WORKFLOWS} w where w.id = $2::uuid and w.enabled)
returning id), events as (
insert into ${EVENTS} (execution_id, type, step_id, actor, data, created_at)
select ev.execution_id, ev.type, ev.step_id, ev.actor, ev.data, ev.created_at
  from unnest(${EVENT_ARRAY_TYPES.map((t, i) => `$${i + INSERT_FIRST_EVENT}::${t}[]`).join(', ')})
       with ordinality as ev(execution_id, type, step_id, actor, data, created_at, n)
 where exists (select 1 from created)
 order by ev.n)
select id from created`,
};
