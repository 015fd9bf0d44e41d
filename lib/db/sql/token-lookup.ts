import type { Statement } from './index';

/** An API token by the hash of its secret, with the user it acts for (every API request). $1 token hash. */
export const TOKEN_LOOKUP: Statement = {
  name: 'wr_token_lookup',
  text: `select to_json(t) as token, to_json(u) as "user"
  from api_tokens t left join users u on u.id = t.user_id
 where t.token_hash = $1::text`,
};
