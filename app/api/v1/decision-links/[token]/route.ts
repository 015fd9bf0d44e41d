import { decisionLinkGet } from '@/lib/api/decision-link-routes';

export const dynamic = 'force-dynamic';

export const GET = decisionLinkGet();
