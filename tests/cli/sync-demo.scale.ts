import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncScript } from '../support/sync-script.js';

/**
 * `npm run sync -- --demo` on an empty folder, as a new user first runs it: PGlite's initdb and
 * every migration in the child (5-8 s of one core), so it runs in `npm run test:reliability`.
 * `sync-demo.test.ts` runs the same sync on a migrated copy in `npm test`.
 */
describe("npm run sync -- --demo on an empty folder: the demo's data, from the demo's replay", () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'pricing-sync-sync-demo-fresh-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('with no demo running: creates and syncs the demo data dir from a local replay, no network', async () => {
    const result = await syncScript(['--demo', '--providers', 'openrouter,nearai'], {
      PRICING_DATA_DIR: join(directory, 'demo-pglite'),
      REPLAY_CATALOG_SIZE: '20',
    });
    expect(result.stdout).toMatch(/^openrouter +20 +0 +0 +0 +0 +0 +0$/m);
    expect(result.stdout).toMatch(/run \d+: success/);
    expect(result.code).toBe(0);
  });
});
