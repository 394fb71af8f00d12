import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { priceRecord } from '../support/store-fixtures.js';
import {
  applyRecords,
  copyMigratedPgliteDir,
  holdLease,
  pgliteStore,
  pgliteTransport,
} from '../support/test-store.js';

const run = promisify(execFile);

/** A data dir that is a migrated copy of the run's template: the lock is tested here, not PGlite's initdb. */
async function migratedDataDir(directory: string): Promise<string> {
  const dataDir = join(directory, 'pglite');
  await copyMigratedPgliteDir(dataDir);
  return dataDir;
}

const OPEN_IN_CHILD = `
import { PgliteAdapter } from './lib/db/pglite-adapter.ts';
try {
  const adapter = await PgliteAdapter.open({ dataDir: process.argv[1] });
  await adapter.close();
  console.log('opened');
} catch (error) {
  console.log('refused: ' + error.message);
}
`;

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

    const child = await run(
      'node',
      ['--import', 'tsx', '--input-type=module', '-e', OPEN_IN_CHILD, dataDir],
      { cwd: process.cwd() },
    );
    expect(child.stdout).toContain('refused: ');
    expect(child.stdout).toContain(`in use by process ${process.pid}`);
    expect(child.stdout).toContain('DATABASE_URL');

    await store.close();
    const after = await run(
      'node',
      ['--import', 'tsx', '--input-type=module', '-e', OPEN_IN_CHILD, dataDir],
      { cwd: process.cwd() },
    );
    expect(after.stdout.trim()).toBe('opened');

    const reopened = await pgliteStore(dataDir);
    const models = await reopened.readModels('nearai');
    expect(models.map((model) => [model.modelId, model.inputUsdPerMillionTokens])).toEqual([['m/1', '0.15']]);
    await reopened.close();
  });
});

describe('the PGlite data dir lock, when its holder looks stale', () => {
  it('never takes over a lock whose holder is alive on this host, however long since it was refreshed', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'pricing-sync-lock-stale-'));
    const dataDir = await migratedDataDir(directory);
    const holder = await pgliteTransport(dataDir);
    // What a second process sees while a 200,000-model apply blocks the holder's event loop for
    // 30-40 s: a lock not refreshed for longer than the 15 s staleness.
    const past = new Date(Date.now() - 60_000);
    await utimes(`${dataDir}.lock`, past, past);
    const child = await run(
      'node',
      ['--import', 'tsx', '--input-type=module', '-e', OPEN_IN_CHILD, dataDir],
      { cwd: process.cwd() },
    );
    await holder.close();
    await rm(directory, { recursive: true, force: true });
    expect(child.stdout).toContain('refused: ');
    expect(child.stdout).toContain(`in use by process ${process.pid}`);
  });

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
