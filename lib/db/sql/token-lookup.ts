import { getTableName } from 'drizzle-orm';
import { apiTokens, users } from '../schema';
import { jsonObjectOf, type Statement } from './index';

/** An API token by the hash of its secret, with the user it acts for (every API request). $1 token hash. */
export const TOKEN_LOOKUP: Statement = {
  name: 'wr_token_lookup',
  text: `select ${jsonObjectOf(apiTokens, 't')} as token,
       case when u.id is null then null else ${jsonObjectOf(users, 'u')} end as "user"
  from ${getTableName(apiTokens)} t left join ${getTableName(users)} u on u.id = t.user_id
 where t.token_hash = $1::text`,
};
