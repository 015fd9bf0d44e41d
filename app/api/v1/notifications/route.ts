import { parseQuery } from '@/lib/api/parse-request';
import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { listNotifications, ZListNotifications } from '@/lib/core/notifications/notification-dto';

export const dynamic = 'force-dynamic';

export const GET = withApiAuth(async ({ req, db }) => ({ body: await listNotifications(db, parseQuery(req, ZListNotifications)) }), ROUTES.listNotifications);
