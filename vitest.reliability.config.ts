import { defineConfig } from 'vitest/config';

/**
 * `npm run test:reliability`: load, provider faults, database faults and security, end to end over
 * HTTP, and the scale cases of the ordinary suites (`*.scale.ts`: thousands of rows on every
 * adapter). Separate from `npm test` (its files are not `*.test.ts`); files run one at a time so
 * that the load tests do not share the two cores with a database outage.
 */
export default defineConfig({
  test: {
    include: ['tests/reliability/**/*.reliability.ts', 'tests/**/*.scale.ts'],
    globalSetup: ['tests/setup/global-postgres.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default', './tests/reliability/reliability-reporter.ts'],
  },
});
