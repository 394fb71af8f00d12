import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { freePort } from '../support/embedded-server.js';
import { syncScript } from '../support/sync-script.js';
import { copyMigratedPgliteDir } from '../support/test-store.js';

const sync = syncScript;

describe("npm run sync -- --demo: the demo's data, from the demo's replay", () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'pricing-sync-sync-demo-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  // Each case starts from a migrated copy of the run's template (PGlite's initdb is 5-8 s of each
  // child); the same sync on an empty folder, as a new user runs it, is in sync-demo.scale.ts
  // (`npm run test:reliability`), beside npm start on an empty folder (local-runner.scale.ts).
  // The cases use their own folders and run at once: each mostly waits for its children.
  it.concurrent(
    'with no demo running: syncs the demo data dir from a local replay, no network',
    async ({ expect }) => {
      const dataDir = join(directory, 'demo-pglite');
      await copyMigratedPgliteDir(dataDir);
      const result = await sync(['--demo', '--providers', 'openrouter,nearai'], {
        PRICING_DATA_DIR: dataDir,
        REPLAY_CATALOG_SIZE: '20',
      });
      expect(result.stdout).toMatch(/^openrouter +20 +0 +0 +0 +0 +0 +0$/m);
      expect(result.stdout).toMatch(/run \d+: success/);
      expect(result.code).toBe(0);
    },
  );

  it.concurrent('a dry run lists the models it would change, not only counts', async ({ expect }) => {
    const dryDir = join(directory, 'demo-pglite-dry');
    await copyMigratedPgliteDir(dryDir);
    const result = await sync(['--demo', '--providers', 'nearai', '--dry-run'], {
      PRICING_DATA_DIR: dryDir,
      REPLAY_CATALOG_SIZE: '3',
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^nearai would change 3 models \(input\/output USD per 1M\):$/m);
    const listed = result.stdout.split('\n').filter((line) => /^ {2}added +\S+ {2}- -> \S+\/\S+$/.test(line));
    expect(listed).toHaveLength(3);
    expect(result.stdout).toMatch(/\(dry run: nothing written\)/);
  });

  it.concurrent(
    'with npm run demo running: runs the sync through it, and the lock message names it',
    async ({ expect }) => {
      const dataDir = join(directory, 'running-demo-pglite');
      await copyMigratedPgliteDir(dataDir);
      const env = {
        PRICING_DATA_DIR: dataDir,
        LOCAL_SECRETS_FILE: join(directory, 'secrets.json'),
        LOCAL_CRON: 'off',
        REPLAY_CATALOG_SIZE: '20',
        PORT: String(await freePort()),
        ADMIN_API_KEY: '',
        CRON_SECRET: '',
      };
      const demo = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
        env: { ...process.env, DATABASE_URL: '', SUPABASE_URL: '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      demo.stderr.on('data', (chunk) => (output += String(chunk)));
      try {
        const deadline = Date.now() + 60_000;
        while (!output.includes('curl ') && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 100));
        const result = await sync(['--demo', '--providers', 'openrouter'], env);
        expect(result.stderr).toMatch(
          /^npm run demo \(http:\/\/127\.0\.0\.1:\d+\) holds the data dir: syncing openrouter through it$/m,
        );
        expect(result.stdout).toMatch(/run \d+: success/);
        expect(result.code).toBe(0);

        // A server file that names another process (left behind by a killed server, its port now
        // someone else's) gets no admin key: the sync refuses with the lock error instead.
        const serverFile = join(directory, '.running-demo-pglite.server.json');
        const stranger = createServer((request, response) => {
          strangerRequests.push(`${request.method} ${request.url} ${request.headers.authorization ?? ''}`);
          response.end('{}');
        });
        const strangerRequests: string[] = [];
        await new Promise<void>((resolve) => stranger.listen(0, '127.0.0.1', resolve));
        const strangerPort = (stranger.address() as AddressInfo).port;
        const genuine = JSON.parse(await readFile(serverFile, 'utf8')) as { pid: number };
        await writeFile(
          serverFile,
          JSON.stringify({
            url: `http://127.0.0.1:${strangerPort}`,
            pid: genuine.pid + 1,
            command: 'npm run demo',
          }),
        );
        const misled = await sync(['--demo', '--providers', 'openrouter'], env);
        await new Promise((resolve) => stranger.close(resolve));
        expect(strangerRequests).toEqual([]);
        expect(misled.code).toBe(1);
        expect(misled.stderr).toMatch(/is in use by `npm run demo` \(process \d+\)/);

        // Without a way through (no server file, as with an older demo), the lock error names the holder.
        await rm(serverFile);
        const refused = await sync(['--demo'], env);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toMatch(/is in use by `npm run demo` \(process \d+\)/);
        expect(refused.stderr).not.toContain('if it is `npm start`');
      } finally {
        demo.kill('SIGTERM');
        await new Promise((resolve) => demo.once('exit', resolve));
      }
    },
  );
});
