import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { freePort } from '../support/embedded-server.js';

const execute = promisify(execFile);

async function run(script: string, args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await execute(process.execPath, ['--import', 'tsx', script, ...args], {
      env: { ...process.env, SUPABASE_URL: '', LOG_LEVEL: 'warn', ...env },
      timeout: 60_000,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

// Every case is its own short-lived child with its own port or folder: they run at once.
describe.concurrent('errors that say what is wrong and what to do', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'pricing-sync-errors-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('db:migrate with a DATABASE_URL that is not a URL says so, not getaddrinfo ENOTFOUND base', async ({
    expect,
  }) => {
    const result = await run('scripts/db-migrate.ts', [], { DATABASE_URL: 'not-a-url' });
    expect(result.code).toBe(1);
    expect(result.output).toContain('DATABASE_URL is not a Postgres URL');
    expect(result.output).not.toContain('ENOTFOUND');
  });

  it('db:migrate with an http URL names its scheme and hides the password', async ({ expect }) => {
    const result = await run('scripts/db-migrate.ts', [], {
      DATABASE_URL: 'https://admin:hunter2@db.invalid/app',
    });
    expect(result.code).toBe(1);
    expect(result.output).toContain('got a URL with scheme https: (https://admin:***@db.invalid/app)');
    expect(result.output).not.toContain('hunter2');
  });

  it('db:migrate against a port where nothing listens says so and how to start Postgres', async ({
    expect,
  }) => {
    const port = await freePort();
    const result = await run('scripts/db-migrate.ts', [], {
      DATABASE_URL: `postgres://postgres:hunter2@127.0.0.1:${port}/postgres`,
    });
    expect(result.code).toBe(1);
    expect(result.output.trim()).toBe(
      `cannot reach Postgres at 127.0.0.1:${port} (DATABASE_URL): nothing listens there. ` +
        'Start Postgres (e.g. docker run -d -p 5432:5432 -e POSTGRES_PASSWORD=postgres postgres:17), ' +
        'or unset DATABASE_URL to use the embedded default (PGlite under .data/pglite).',
    );
  });

  it.for<[string, string, string[]]>([
    ['db:prune', 'scripts/db-prune.ts', ['--older-than', '90d']],
    ['sync', 'scripts/sync.ts', ['--providers', 'nearai']],
  ])('%s against a port where nothing listens says so too', async ([, script, args], { expect }) => {
    const port = await freePort();
    const result = await run(script, args, {
      DATABASE_URL: `postgres://postgres:hunter2@127.0.0.1:${port}/postgres`,
    });
    expect(result.code).toBe(1);
    expect(result.output.trim().split('\n').at(-1)).toBe(
      `cannot reach Postgres at 127.0.0.1:${port} (DATABASE_URL): nothing listens there. ` +
        'Start Postgres (e.g. docker run -d -p 5432:5432 -e POSTGRES_PASSWORD=postgres postgres:17), ' +
        'or unset DATABASE_URL to use the embedded default (PGlite under .data/pglite).',
    );
    expect(result.output).not.toContain('hunter2');
  });

  it('sync --providers with an unknown slug blames the flag and lists the known slugs', async ({
    expect,
  }) => {
    const result = await run('scripts/sync.ts', ['--providers', 'bogus'], {
      PRICING_DATA_DIR: join(directory, 'pglite'),
    });
    expect(result.code).toBe(1);
    expect(result.output.trim()).toBe(
      '--providers names unknown provider "bogus"; known: openrouter, featherless, nearai, alibaba-cloud, litellm',
    );
  });
});
