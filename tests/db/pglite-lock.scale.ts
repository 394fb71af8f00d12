import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migratedDataDir, openInChild } from '../support/pglite-lock-child.js';
import { pgliteTransport } from '../support/test-store.js';

/**
 * The PGlite lock against a holder that only looks stale: a second process opening PGlite, so it
 * runs in `npm run test:reliability` (`*.scale.ts`); pglite-lock.test.ts keeps the lock's other cases.
 */
describe('the PGlite data dir lock, when its holder looks stale', () => {
  it('never takes over a lock whose holder is alive on this host, however long since it was refreshed', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'pricing-sync-lock-stale-'));
    const dataDir = await migratedDataDir(directory);
    const holder = await pgliteTransport(dataDir);
    // What a second process sees while a 200,000-model apply blocks the holder's event loop for
    // 30-40 s: a lock not refreshed for longer than the 15 s staleness.
    const past = new Date(Date.now() - 60_000);
    await utimes(`${dataDir}.lock`, past, past);
    const child = await openInChild(dataDir);
    await holder.close();
    await rm(directory, { recursive: true, force: true });
    expect(child).toContain('refused: ');
    expect(child).toContain(`in use by process ${process.pid}`);
  });
});
