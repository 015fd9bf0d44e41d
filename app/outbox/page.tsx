import type { Metadata } from 'next';
import { OutboxView } from '@/components/outbox/outbox-view';

export const metadata: Metadata = { title: 'Outbox', referrer: 'no-referrer' };

export default function OutboxPage() {
  return <OutboxView />;
}
