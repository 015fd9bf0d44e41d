import { changeStreamResponse, MAX_STREAMS_PER_PROCESS, openStreamCount } from '@/lib/api/change-stream';
import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { AppError } from '@/lib/core/errors';

export const dynamic = 'force-dynamic';

/** Server-Sent Events: what changed, for the console's live updates (lib/api/change-stream.ts). */
export const GET = withApiAuth(ROUTES.streamEvents, async ({ req }) => {
  if (openStreamCount() >= MAX_STREAMS_PER_PROCESS) throw new AppError('unavailable', 'too many open event streams on this server; poll instead');
  return changeStreamResponse(req.signal);
});
