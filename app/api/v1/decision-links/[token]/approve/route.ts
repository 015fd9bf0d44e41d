import { decisionLinkPost } from '@/lib/api/decision-link-routes';

export const dynamic = 'force-dynamic';

export const POST = decisionLinkPost('approve');
