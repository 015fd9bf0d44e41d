import { withErrors } from '@/lib/api/with-api-auth';
import { openApiDocument } from '@/lib/api/openapi/document';

export const dynamic = 'force-dynamic';

// No auth: the API's OpenAPI 3.1 document, generated from the route table's zod schemas.
export const GET = withErrors(async () => Response.json(openApiDocument(), { headers: { 'cache-control': 'public, max-age=300' } }), {
  path: '/api/v1/openapi.json',
});
