import { ROUTES } from '@/lib/api/route-table';
import { withApiAuth } from '@/lib/api/with-api-auth';
import { toMeDto } from '@/lib/core/access/me';

export const dynamic = 'force-dynamic';

export const GET = withApiAuth(ROUTES.getMe, async ({ actor }) => toMeDto(actor));
