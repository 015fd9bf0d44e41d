import type { Metadata } from 'next';
import { Suspense } from 'react';
import { Inbox } from '@/components/inbox/inbox';
import { LoadingRows } from '@/components/ui';

export const metadata: Metadata = { title: 'Inbox' };

export default function InboxPage() {
  return (
    <Suspense fallback={<LoadingRows />}>
      <Inbox />
    </Suspense>
  );
}
