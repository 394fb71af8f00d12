import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/embedded-server.js';
import { start, waitForOutput } from '../support/script-child.js';
import { copyMigratedPgliteDir } from '../support/test-store.js';

describe('the local servers, as a new user starts them', () => {
  let directory: string;
  let occupier: Server;
  let busyPort: number;
  /**
   * A PGlite folder in the test directory, already migrated (a copy of the run's template): what is
   * tested here is the server's output, and PGlite's initdb in each child took 5-8 s. A first start
   * on an empty folder is tested by tests/functions/local-runner.scale.ts and
   * tests/cli/sync-demo.scale.ts (`npm run test:reliability`); in `npm test`, the global setup opens
   * an empty folder with the same PgliteAdapter.open to make the template.
   */
  const migratedDir = async (name: string) => {
    const dataDir = join(directory, name);
    await copyMigratedPgliteDir(dataDir);
    return dataDir;
  };

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'pricing-sync-first-hour-'));
    occupier = createServer();
    await new Promise<void>((resolve) => occupier.listen(0, '127.0.0.1', resolve));
    busyPort = (occupier.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => occupier.close(resolve));
    await rm(directory, { recursive: true, force: true });
  });

  // npm run providers:replay and npm run demo on a taken REPLAY_PORT are in local-servers.scale.ts.
  it.each([['npm start', 'scripts/start.ts', 'PORT']])(
    '%s on a taken port says which port and which variable, exits 1, no stack',
    async (_name, script, variable) => {
      const child = start(script, {
        [variable]: String(busyPort),
        PRICING_DATA_DIR: await migratedDir(`pglite-${variable}`),
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

  // A second npm start on the same port and folder is in local-servers.scale.ts.
  it('npm start with a DATABASE_URL that is not a URL says so in one line, exits 1, no stack', async () => {
    const child = start('scripts/start.ts', {
      PORT: String(await freePort()),
      DATABASE_URL: 'not-a-url',
      LOCAL_SECRETS_FILE: join(directory, 'secrets-bad-url.json'),
      LOCAL_CRON: 'off',
    });
    expect(await child.exit).toBe(1);
    expect(child.output().trim().split('\n').at(-1)).toMatch(
      /^DATABASE_URL is not a Postgres URL: expected postgres:\/\/user:password@host:5432\/database/,
    );
    expect(child.output()).not.toMatch(/\n\s+at /);
  });

  it('npm start with a DATABASE_URL where nothing listens says so in one line; /health is 503; no stack', async () => {
    const databasePort = await freePort();
    const port = await freePort();
    const child = start('scripts/start.ts', {
      PORT: String(port),
      DATABASE_URL: `postgres://user:pw-not-shown-42@127.0.0.1:${databasePort}/pricing`,
      LOCAL_SECRETS_FILE: join(directory, 'secrets-no-postgres.json'),
      LOCAL_CRON_FIRST_DELAY_SECONDS: '0',
    });
    try {
      const line = await waitForOutput(child, /^cannot reach Postgres at .*$/m);
      expect(line).toMatch(
        new RegExp(
          `^cannot reach Postgres at 127\\.0\\.0\\.1:${databasePort} \\(DATABASE_URL\\): nothing listens there\\.`,
        ),
      );
      expect(child.output()).toContain('/health answers 503 until the database answers.');
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(503);
      // The first tick's failure is one log line naming the database, not a stack.
      await waitForOutput(child, /"local cron tick"/);
      const unreachable = child
        .output()
        .split('\n')
        .filter((entry) => entry.startsWith('{'))
        .map((entry) => JSON.parse(entry) as { msg: string; error: string })
        .filter((entry) => entry.msg.endsWith('database unreachable'));
      expect(unreachable.length).toBeGreaterThan(0);
      for (const entry of unreachable) expect(entry.error).toMatch(/^cannot reach Postgres at 127\.0\.0\.1:/);
      expect(child.output()).not.toContain('"stack"');
      expect(child.output()).not.toMatch(/\n\s+at /);
      expect(child.output()).not.toContain('pw-not-shown-42');
    } finally {
      await child.kill();
    }
  });

  it('npm start on a terminal logs readable lines, one per event; JSON with LOG_FORMAT=json', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const onTerminal = async (env: Record<string, string>, pattern: RegExp) => {
      // script(1) gives the server a pseudo-terminal, as a person's shell does.
      const child = spawn(
        'script',
        ['-qec', `${process.execPath} --import tsx scripts/start.ts`, '/dev/null'],
        {
          env: {
            ...process.env,
            LOG_LEVEL: 'info',
            LOG_FORMAT: '',
            DATABASE_URL: '',
            SUPABASE_URL: '',
            PORT: String(await freePort()),
            LOCAL_CRON_FIRST_DELAY_SECONDS: '0',
            PRICING_SYNC_PROVIDERS: 'openrouter',
            OPENROUTER_BASE_URL: nowhere,
            ...env,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout.on('data', (chunk) => (output += String(chunk).replace(/\r/g, '')));
      const exit = new Promise((resolve) => child.once('exit', resolve));
      try {
        await waitForOutput(
          { output: () => output, exit: exit as Promise<number | null>, kill: async () => undefined },
          pattern,
        );
        return output;
      } finally {
        child.kill('SIGTERM');
        await exit;
      }
    };
    // Both servers at once: each spends most of its time waiting for its providers' retries.
    const [pretty, json] = await Promise.all([
      onTerminal(
        {
          PRICING_DATA_DIR: await migratedDir('pglite-tty'),
          LOCAL_SECRETS_FILE: join(directory, 'secrets-tty.json'),
        },
        /local cron tick/,
      ),
      onTerminal(
        {
          LOG_FORMAT: 'json',
          PRICING_DATA_DIR: await migratedDir('pglite-tty-json'),
          LOCAL_SECRETS_FILE: join(directory, 'secrets-tty-json.json'),
        },
        /"local cron tick"/,
      ),
    ]);
    expect(pretty).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}✅ Pricing sync scheduler started$/m);
    expect(pretty).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} ERROR ❌ Scheduled pricing sync failed run_id=\d+ status=failed .*error="the only provider failed: network ECONNREFUSED \(1\)"$/m,
    );
    expect(pretty).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}local cron tick path=\/api\/cron\/pricing-sync status=200 /m,
    );
    expect(pretty).not.toContain('{"level"');
    expect(json).toMatch(/^\{"level":30,.*"msg":"✅ Pricing sync scheduler started"\}$/m);
  });

  it('npm start offline: the first sync says why it failed, and one hint points to npm run demo', async () => {
    const closedPort = await freePort();
    const nowhere = `http://127.0.0.1:${closedPort}`;
    const child = start('scripts/start.ts', {
      PORT: String(await freePort()),
      PRICING_DATA_DIR: await migratedDir('pglite-offline'),
      LOCAL_SECRETS_FILE: join(directory, 'secrets-offline.json'),
      LOCAL_CRON_FIRST_DELAY_SECONDS: '0',
      PRICING_SYNC_PROVIDERS: 'openrouter,nearai,featherless',
      OPENROUTER_BASE_URL: nowhere,
      NEARAI_BASE_URL: nowhere,
      FEATHERLESS_BASE_URL: nowhere,
    });
    try {
      const hint = await waitForOutput(child, /^hint: .*$/m);
      expect(hint).toBe(
        'hint: the first sync failed: the providers are unreachable from here (ECONNREFUSED). ' +
          '`npm run demo` runs against a local replay of them.',
      );
      const failure = JSON.parse(await waitForOutput(child, /^.*Scheduled pricing sync failed.*$/m)) as {
        error: string;
      };
      expect(failure.error).toBe('all 3 providers failed: network ECONNREFUSED (3)');
      const providerFailures = child
        .output()
        .split('\n')
        .filter((line) => line.includes('"provider failed"'))
        .map((line) => JSON.parse(line) as { code: string; error: string });
      expect(providerFailures).toHaveLength(3);
      for (const failed of providerFailures) {
        expect(failed.code).toBe('ECONNREFUSED');
        expect(failed.error).toMatch(/connect ECONNREFUSED 127\.0\.0\.1:\d+/);
      }
      // The tick's log line is a summary, not the whole answer.
      const tick = await waitForOutput(child, /^.*"local cron tick".*$/m);
      expect(JSON.parse(tick)).toMatchObject({
        status: 200,
        run_status: 'failed',
        total_models_updated: 0,
        total_errors: 3,
        error: 'all 3 providers failed: network ECONNREFUSED (3)',
      });
      expect(tick).not.toContain('"providers"');
      expect(tick.length).toBeLessThan(400);
      expect(child.output().match(/^hint: /gm)).toHaveLength(1);
    } finally {
      await child.kill();
    }
  });
});
