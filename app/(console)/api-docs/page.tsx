import type { Metadata } from 'next';
import { ApiReference, type ApiDocument } from '@/components/api-docs/api-reference';
import { openApiDocument } from '@/lib/api/openapi/document';

export const metadata: Metadata = { title: 'API' };

/** The OpenAPI document (the same one /api/v1/openapi.json serves), rendered. */
export default function ApiDocsPage() {
  return <ApiReference doc={openApiDocument() as unknown as ApiDocument} />;
}
