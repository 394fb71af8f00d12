import { afterAll, beforeAll, describe, it } from 'vitest';
import { readMigrations, type Migration } from '../../lib/db/migrate.js';
import { closeServers, expectRefused, pgliteServer, TAMPERS } from '../support/adoption-servers.js';

afterAll(closeServers);

/**
 * Adoption refusing a tampered database on PGlite: each case reads the whole schema three times in
 * WebAssembly, so they run in `npm run test:reliability` (`*.scale.ts`); the same refusals on
 * Postgres, and adoption on PGlite, are in baseline-adoption.test.ts.
 */
describe('adopting a database migrated before the baseline (PGlite), tampered', () => {
  let baseline: Migration[];
  beforeAll(async () => {
    baseline = await readMigrations();
  });

  it.each(TAMPERS)('refuses a database with %s, naming it, and changes nothing', (_what, tamper, message) =>
    expectRefused(pgliteServer, baseline, tamper, message),
  );
});
