import { z } from 'zod';
import { parseBody } from '@/lib/api/parse-request';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { cancelExecution } from '@/lib/core/executions/cancel-execution';

export const dynamic = 'force-dynamic';

const ZCancel = z.strictObject({ reason: z.string().max(1000).optional() });

export const POST = withApiAuth<{ id: string }>(
  async ({ req, db, actor, params }) => ({ body: await cancelExecution(db, actor, params.id, await parseBody(req, ZCancel, { optional: true })) }),
  { permissions: ['execution:cancel'], idempotent: true },
);
