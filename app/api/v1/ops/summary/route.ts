import { parseQuery } from '@/lib/api/parse-request';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { getOpsSummary, ZOpsSummaryQuery } from '@/lib/core/ops/get-ops-summary';

export const dynamic = 'force-dynamic';

export const GET = withApiAuth(
  async ({ req, db }) => {
    parseQuery(req, ZOpsSummaryQuery);
    return { body: await getOpsSummary(db) };
  },
  { permissions: ['execution:read'] },
);
