import type { Metadata } from 'next';
import { DecisionLinkPage } from '@/components/decide/decision-link-page';

// The token is in the URL: never send it on as a Referer, never let a search engine keep the page.
export const metadata: Metadata = { title: 'Decide', referrer: 'no-referrer', robots: { index: false, follow: false } };

export default async function DecidePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  return <DecisionLinkPage token={token} />;
}
