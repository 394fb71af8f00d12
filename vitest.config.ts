import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/setup/global-postgres.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // vitest's default is one worker fewer than the cores: one on a 2-core machine. Most of a file's
    // time is spent waiting on Postgres (its own processes), on PGlite's or a child process's start,
    // or on 127.0.0.1 servers, so three files at a time keep both cores busy: on the 2-core machine
    // the default tier took 277 s with two and 244 s with three (four: 298 s, the files then wait
    // for the CPU). Each file has its own database.
    maxWorkers: 3,
  },
});
