import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/embedded-server.js';
import { start, waitForOutput } from '../support/script-child.js';
import { copyMigratedPgliteDir } from '../support/test-store.js';

/**
 * The local servers' answers to a port or a folder someone else holds, for the scripts that
 * `local-servers.test.ts` does not start in `npm test` (each case is one or two child processes
 * opening PGlite): they run in `npm run test:reliability` (`*.scale.ts`). `npm start` on a taken
 * port stays in `npm test`, and so does a second process refused by the folder's lock
 * (tests/db/pglite-lock.test.ts, tests/cli/sync-demo.test.ts).
 */
describe('the local servers, when a port or the folder is taken', () => {
  let directory: string;
  let occupier: Server;
  let busyPort: number;
  const migratedDir = async (name: string) => {
    const dataDir = join(directory, name);
    await copyMigratedPgliteDir(dataDir);
    return dataDir;
  };

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'pricing-sync-first-hour-scale-'));
    occupier = createServer();
    await new Promise<void>((resolve) => occupier.listen(0, '127.0.0.1', resolve));
    busyPort = (occupier.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => occupier.close(resolve));
    await rm(directory, { recursive: true, force: true });
  });

  it.each([
    ['npm run providers:replay', 'scripts/providers-replay.ts', 'REPLAY_PORT'],
    ['npm run demo', 'scripts/demo.ts', 'REPLAY_PORT'],
  ])(
    '%s on a taken port says which port and which variable, exits 1, no stack',
    async (name, script, variable) => {
      const child = start(script, {
        [variable]: String(busyPort),
        PRICING_DATA_DIR: await migratedDir(`pglite-${name.replace(/\W+/g, '-')}`),
        LOCAL_SECRETS_FILE: join(directory, 'secrets.json'),
        LOCAL_CRON: 'off',
      });
      const code = await child.exit;
      expect(code).toBe(1);
      const lines = child.output().trim().split('\n');
      expect(lines.at(-1)).toBe(
        `port ${busyPort} on 127.0.0.1 is already in use: stop what holds it, or set ${variable} to another port`,
      );
      expect(child.output()).not.toMatch(/\n\s+at /);
      expect(child.output()).not.toContain('EADDRINUSE');
    },
  );

  // Port 3000 is most often taken by an earlier `npm start`, which also holds the PGlite folder:
  // the second one must not answer with a stack trace either.
  it('a second npm start on the same port and folder names the first, exits 1, no stack', async () => {
    const env = {
      PORT: String(await freePort()),
      PRICING_DATA_DIR: await migratedDir('pglite-twice'),
      LOCAL_SECRETS_FILE: join(directory, 'secrets-twice.json'),
      LOCAL_CRON: 'off',
    };
    const first = start('scripts/start.ts', env);
    try {
      await waitForOutput(first, /^curl /m);
      const second = start('scripts/start.ts', env);
      expect(await second.exit).toBe(1);
      const lines = second.output().trim().split('\n');
      expect(lines.at(-1)).toMatch(
        /^The PGlite data dir .*pglite-twice is in use by `npm start` \(process \d+\).* stop that process;/,
      );
      expect(second.output()).not.toMatch(/\n\s+at /);
      expect(second.output()).not.toContain('StoreError');
    } finally {
      await first.kill();
    }
  });
});
