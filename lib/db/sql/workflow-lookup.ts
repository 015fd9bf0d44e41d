import type { Statement } from './index';

/** Every start looks its workflow up, by id or by key. */
export const WORKFLOW_BY_ID: Statement = { name: 'wr_workflow_by_id', text: 'select * from workflows where id = $1::uuid' };
export const WORKFLOW_BY_KEY: Statement = { name: 'wr_workflow_by_key', text: 'select * from workflows where key = $1' };
