// Next.js calls this once when the server starts: a wrong environment variable stops the web
// server at boot, naming the variable, instead of failing the first request.
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { env } = await import('./lib/env');
  try {
    env();
  } catch (e) {
    console.error(`[web] ${(e as Error).message}`);
    process.exit(1);
  }
}
