import { defineConfig } from 'vitest/config';

/**
 * `npm run test:browser`: the operator console in a real Chromium (Debian's `chromium`, driven by
 * playwright-core through `executablePath`; nothing is downloaded), against the local runner on
 * PGlite with the replay server. scripts/test-browser.sh installs chromium when it is missing.
 */
export default defineConfig({
  test: {
    include: ['tests/browser/**/*.browser.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
