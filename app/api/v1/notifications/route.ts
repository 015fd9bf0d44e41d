import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { listNotifications } from '@/lib/core/notifications/notification-dto';

export const dynamic = 'force-dynamic';

export const GET = withApiAuth(ROUTES.listNotifications, ({ db, query }) => listNotifications(db, query));
