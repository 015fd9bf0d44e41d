import { openApiDocument } from '@/lib/api/openapi/document';
import { ROUTES } from '@/lib/api/route-table';
import { withPublicRoute } from '@/lib/api/with-api-auth';

export const dynamic = 'force-dynamic';

// No auth: the API's OpenAPI 3.1 document, generated from the route table, its servers naming the
// base URL clients reach this deployment at.
export const GET = withPublicRoute(ROUTES.getOpenApi, async (req) =>
  Response.json(openApiDocument(new URL(req.url).origin), { headers: { 'cache-control': 'public, max-age=300', vary: 'host' } }),
);
