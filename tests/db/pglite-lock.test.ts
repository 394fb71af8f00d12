import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDataDir, openInChild } from '../support/pglite-lock-child.js';
import { priceRecord } from '../support/store-fixtures.js';
import { applyRecords, holdLease, pgliteStore, pgliteTransport } from '../support/test-store.js';

describe('the PGlite data dir lock', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'pricing-sync-lock-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('refuses a second process, saying who holds the dir, and leaves the data intact', async () => {
    const dataDir = await migratedDataDir(directory);
    const store = await pgliteStore(dataDir);
    const runId = await holdLease(store, { triggeredBy: 't', providers: [], leaseSeconds: 30 });
    await applyRecords(store, runId, [priceRecord('m/1', '0.15', '0.55')], {
      provider: 'nearai',
      source: 't',
    });
    await store.finishRun(runId, 'success', { providers: {} }, null);

    const child = await openInChild(dataDir);
    expect(child).toContain('refused: ');
    expect(child).toContain(`in use by process ${process.pid}`);
    expect(child).toContain('DATABASE_URL');

    await store.close();
    expect((await openInChild(dataDir)).trim()).toBe('opened');

    const reopened = await pgliteStore(dataDir);
    const models = await reopened.readModels('nearai');
    expect(models.map((model) => [model.modelId, model.inputUsdPerMillionTokens])).toEqual([['m/1', '0.15']]);
    await reopened.close();
  });
});

describe('the PGlite data dir lock, when its holder looks stale', () => {
  // Never taking over a live holder's lock however stale it looks is in pglite-lock.scale.ts.
  it('fails a call made after the lock was lost instead of reporting it as saved', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'pricing-sync-lock-lost-'));
    const dataDir = await migratedDataDir(directory);
    const store = await pgliteStore(dataDir);
    await expect(store.ping()).resolves.toBeUndefined();
    // Another process took the dir over: its owner file replaces ours.
    const ownerFile = join(directory, '.pglite.owner.json');
    const owner = JSON.parse(await readFile(ownerFile, 'utf8')) as Record<string, unknown>;
    await writeFile(
      ownerFile,
      JSON.stringify({ ...owner, pid: process.pid + 1, since: new Date().toISOString() }),
    );
    await expect(store.readStatus()).rejects.toMatchObject({ code: 'DATA_DIR_LOCK_LOST' });
    await store.close();
    await rm(directory, { recursive: true, force: true });
  });
});

describe('npm run sync while npm start holds the PGlite data dir', () => {
  it('exits 1 and says who holds it and what to do instead', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'pricing-sync-lock-cli-'));
    const dataDir = await migratedDataDir(directory);
    const holder = await pgliteTransport(dataDir);
    const { runSyncCommand } = await import('../../dev/cli/sync-command.js');
    const errors: string[] = [];
    const code = await runSyncCommand(
      [],
      { PRICING_DATA_DIR: dataDir, PRICING_SYNC_PROVIDERS: 'nearai' },
      {
        out: () => undefined,
        err: (line) => errors.push(line),
      },
    );
    await holder.close();
    await rm(directory, { recursive: true, force: true });
    expect(code).toBe(1);
    expect(errors.join('\n')).toMatch(/in use by process \d+/);
    expect(errors.join('\n')).toContain('POST /admin/pricing/scheduler/trigger');
  });
});
