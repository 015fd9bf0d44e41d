import type { Metadata } from 'next';
import { Suspense } from 'react';
import { ExecutionsList } from '@/components/executions/executions-list';
import { LoadingRows } from '@/components/ui';

export const metadata: Metadata = { title: 'Executions' };

export default function ExecutionsPage() {
  return (
    <Suspense fallback={<LoadingRows />}>
      <ExecutionsList />
    </Suspense>
  );
}
