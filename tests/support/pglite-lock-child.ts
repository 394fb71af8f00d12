import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { copyMigratedPgliteDir } from './test-store.js';

const run = promisify(execFile);

/** A data dir that is a migrated copy of the run's template: the lock is tested, not PGlite's initdb. */
export async function migratedDataDir(directory: string): Promise<string> {
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

/** Opens `dataDir` in a second process, as a second `npm start` would: prints `opened` or `refused: …`. */
export async function openInChild(dataDir: string): Promise<string> {
  const child = await run('node', ['--import', 'tsx', '--input-type=module', '-e', OPEN_IN_CHILD, dataDir], {
    cwd: process.cwd(),
  });
  return child.stdout;
}
