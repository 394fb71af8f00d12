import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startReplayServer, type ReplayServer } from '../../dev/replay/replay-server.js';
import { expectNpmStartServes } from '../support/npm-start.js';

/**
 * `npm start` on an empty PGlite folder, as a new user first runs it: PGlite's initdb and every
 * migration in the child (5-8 s of one core), so it runs in `npm run test:reliability`
 * (`*.scale.ts`); local-runner.test.ts starts the same way on a migrated copy in `npm test`.
 */
describe('npm start on an empty folder', () => {
  let directory: string;
  let replay: ReplayServer;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'pricing-sync-start-fresh-'));
    replay = await startReplayServer({ defaults: { size: 20 } });
  });
  afterAll(async () => {
    await replay.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('serves on PORT with PGlite and generated local secrets, never printing them, and fires the cron once', async () => {
    await expectNpmStartServes(directory, replay);
  });
});
