import { workflows } from '../schema';
import { columnsOf, type Statement } from './index';

/** A workflow by id or by key (each column named: see columnsOf): a start that does not find it in its cache, and the list filters. */
export const WORKFLOW_BY_ID: Statement = { name: 'wr_workflow_by_id', text: `select ${columnsOf(workflows, 'w')} from workflows w where w.id = $1::uuid` };
export const WORKFLOW_BY_KEY: Statement = { name: 'wr_workflow_by_key', text: `select ${columnsOf(workflows, 'w')} from workflows w where w.key = $1` };
