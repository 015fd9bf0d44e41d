export const dynamic = 'force-dynamic';

export default function HomePage() {
  return (
    <main className="mx-auto max-w-3xl p-8">
      <h1 className="text-2xl font-semibold">Workflow Resumer</h1>
      <p className="mt-2 text-slate-600 dark:text-slate-400">Pause workflow executions and resume them later, by API or by approval.</p>
    </main>
  );
}
