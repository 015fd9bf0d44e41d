import { defineConfig } from 'vitest/config';

// Two projects: `unit` (e2e/unit: pure functions, nothing to start — `npm run test:unit`) and `api`
// (e2e/api: a real PostgreSQL and a production server, which `npm test` provides).
export default defineConfig({
  resolve: { alias: { '@': import.meta.dirname } },
  test: {
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
    // Each test's line in the JSON report npm test ends its output with (lib/bin/support/failure-summary.ts).
    includeTaskLocation: true,
    projects: [
      { extends: true, test: { name: 'unit', include: ['e2e/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'api', include: ['e2e/api/**/*.test.ts'] } },
    ],
  },
});
