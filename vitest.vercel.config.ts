import { defineConfig } from 'vitest/config';

/**
 * `npm run test:vercel`: the pinned Vercel CLI builds a clean copy of the project offline, and the
 * built functions are checked and called in plain node against a real Postgres.
 */
export default defineConfig({
  test: {
    include: ['tests/vercel/**/*.vercel.ts'],
    globalSetup: ['tests/setup/global-postgres.ts'],
    testTimeout: 300_000,
    hookTimeout: 20 * 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
