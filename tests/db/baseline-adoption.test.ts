import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASELINE_LAST } from '../../lib/db/legacy-adoption.js';
import { migrate, readMigrations, type Migration } from '../../lib/db/migrate.js';
import { snapshotSchema, type SchemaEntry } from '../../lib/db/schema-snapshot.js';
import {
  closeServers,
  expectRefused,
  legacyOnce,
  pgliteServer,
  postgresServer,
  recordedNames,
  rowsOf,
  TAMPERS,
} from '../support/adoption-servers.js';

afterAll(closeServers);

describe.each([pgliteServer, postgresServer])(
  'adopting a database migrated before the baseline ($label)',
  (server) => {
    let legacy: Migration[];
    let baseline: Migration[];
    let fresh: SchemaEntry[];
    beforeAll(async () => {
      legacy = await legacyOnce();
      baseline = await readMigrations();
      const database = await server.open();
      await migrate(database.session, baseline);
      fresh = await snapshotSchema(database.session);
      await database.close();
    });

    it('keeps every row and leaves the same schema as a fresh baseline, every function body included', async () => {
      const database = await server.openLegacy();
      const before = await rowsOf(database.session);
      const legacySchema = await snapshotSchema(database.session);
      expect(legacySchema.map((entry) => entry.key)).toContain(
        'function public.pricing_put_litellm_entries(p_run_id bigint, p_entries jsonb)',
      );

      const report = await migrate(database.session, baseline);

      expect(report.adopted).toBe(true);
      // Files after the baseline apply as usual, after the adoption (and may add columns).
      const afterBaseline = baseline.filter((migration) => migration.name > BASELINE_LAST);
      expect(report.applied).toEqual(afterBaseline.map((migration) => migration.name));
      expect(await snapshotSchema(database.session)).toEqual(fresh);
      expect(await rowsOf(database.session)).toMatchObject(before);
      expect(await recordedNames(database.session)).toEqual(baseline.map((migration) => migration.name));
      // Adopted once: the next migrate is an ordinary no-op.
      const again = await migrate(database.session, baseline);
      expect(again).toMatchObject({ adopted: false, applied: [] });
      await database.close();
    });

    // The PGlite refusals, slow in WebAssembly, are in baseline-adoption.scale.ts.
    if (server === postgresServer) {
      it.each(TAMPERS)(
        'refuses a database with %s, naming it, and changes nothing',
        (_what, tamper, message) => expectRefused(server, baseline, tamper, message),
      );
    }

    it('refuses a database that applied only some of the squashed migrations', async () => {
      const database = await server.open();
      await migrate(database.session, legacy.slice(0, 12));
      const before = await snapshotSchema(database.session);

      await expect(migrate(database.session, baseline)).rejects.toThrow(
        /recorded 12 of the 19 migrations squashed into the baseline but not 20261201200300_prices_at\.sql \(and 6 more\).*Nothing was changed/,
      );

      expect(await snapshotSchema(database.session)).toEqual(before);
      await database.close();
    });
  },
);
