import { workflows } from '../schema';
import { columnsOf, type Statement } from './index';

/** Every start looks its workflow up, by id or by key (each column named: see columnsOf). */
export const WORKFLOW_BY_ID: Statement = { name: 'wr_workflow_by_id', text: `select ${columnsOf(workflows, 'w')} from workflows w where w.id = $1::uuid` };
export const WORKFLOW_BY_KEY: Statement = { name: 'wr_workflow_by_key', text: `select ${columnsOf(workflows, 'w')} from workflows w where w.key = $1` };
