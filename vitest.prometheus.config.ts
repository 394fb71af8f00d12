import { defineConfig } from 'vitest/config';

/**
 * `npm run test:prometheus`: promtool on monitoring/ and a real Prometheus scraping the local
 * runner. Needs `prometheus` and `promtool` on PATH (Debian's prometheus package).
 */
export default defineConfig({
  test: {
    include: ['tests/prometheus/**/*.prometheus.ts'],
    globalSetup: ['tests/setup/global-postgres.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
