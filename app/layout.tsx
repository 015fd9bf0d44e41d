import type { Metadata, Viewport } from 'next';
import { ConsoleShell } from '@/components/console-shell';
import { Providers } from '@/components/providers';
import './globals.css';

// Rendered per request: each page carries the CSP nonce proxy.ts made for it (a page built ahead
// of time would have scripts without one, and the browser would refuse them).
export const dynamic = 'force-dynamic';

export const metadata: Metadata = {
  title: { default: 'Workflow Resumer', template: '%s · Workflow Resumer' },
  description: 'Pause and resume workflow executions',
};

export const viewport: Viewport = {
  width: 'device-width',
  initialScale: 1,
  colorScheme: 'light dark',
  themeColor: [
    { media: '(prefers-color-scheme: light)', color: '#ffffff' },
    { media: '(prefers-color-scheme: dark)', color: '#020617' },
  ],
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
        <Providers>
          <ConsoleShell>{children}</ConsoleShell>
        </Providers>
      </body>
    </html>
  );
}
