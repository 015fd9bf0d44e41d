/**
 * Every id the API hands out for workflows, executions and approvals is a UUID (gen_random_uuid()).
 * The one pattern: lookups answer "not found" for anything else before PostgreSQL would fail on the
 * cast, cursors are checked with it, and the response schemas document it.
 */
export const UUID_PATTERN = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

const UUID = new RegExp(`^${UUID_PATTERN}$`);

export function isUuid(s: string): boolean {
  return UUID.test(s);
}
