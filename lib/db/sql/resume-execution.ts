import type { Statement } from './index';

const READ = `select e.*, w.name as wr_workflow_name, w.key as wr_workflow_key
  from workflow_executions e join workflows w on w.id = e.workflow_id
 where e.id = $1::uuid`;

/** The execution with its workflow's name and key (for the response), unlocked: the optimistic resume. $1 execution. */
export const RESUME_READ: Statement = { name: 'wr_resume_read', text: READ };

/** The same, locked: the resume's transaction. $1 execution. */
export const RESUME_LOCK: Statement = { name: 'wr_resume_lock', text: `${READ}\n   for update of e` };
