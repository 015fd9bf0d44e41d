import type { Metadata } from 'next';
import { WorkflowDetail } from '@/components/workflows/workflow-detail';

export const metadata: Metadata = { title: 'Workflow' };

export default async function WorkflowPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <WorkflowDetail idOrKey={decodeURIComponent(id)} />;
}
