import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/setup/global-postgres.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // vitest's default is one worker fewer than the cores: one on a 2-core machine. Most of a file's
    // time is spent waiting on Postgres (its own processes) or on 127.0.0.1 servers, so two files at
    // a time keep both cores busy. Each file has its own database.
    maxWorkers: 2,
  },
});
