import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, rm, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultMigrationsDirectory, migrate, readMigrations } from '../../lib/db/migrate.js';
import { storageConfigFromEnv } from '../../lib/db/open-store.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const run = promisify(execFile);

describe('npm run db:migrate', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    await database.drop();
  });

  it('migrates a fresh Postgres, then is a no-op', async () => {
    const env = { ...process.env, DATABASE_URL: database.url };
    const first = await run('npm', ['run', '--silent', 'db:migrate'], { env });
    const files = (await readdir(defaultMigrationsDirectory())).filter((name) => name.endsWith('.sql'));
    expect(first.stdout).toContain(`${files.length} applied, 0 already applied`);
    const tables = await database.admin.query(
      `select 1 from information_schema.tables where table_name = 'model_pricing'`,
    );
    expect(tables.rows).toHaveLength(1);

    const second = await run('npm', ['run', '--silent', 'db:migrate'], { env });
    expect(second.stdout).toContain(`0 applied, ${files.length} already applied`);
  });

  it('refuses, with a clear message, to run when an applied migration was edited', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'pricing-sync-migrations-'));
    await cp(defaultMigrationsDirectory(), directory, { recursive: true });
    const [firstFile] = (await readdir(directory)).sort();
    await appendFile(join(directory, firstFile!), '\n-- an edit after landing\n');
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const session = {
      exec: async (sql: string) => void (await client.query(sql)),
      query: async <Row>(sql: string, params: unknown[] = []) =>
        (await client.query(sql, params)).rows as Row[],
    };
    await expect(migrate(session, await readMigrations(directory))).rejects.toThrow(
      new RegExp(`migration ${firstFile} was edited after it was applied.*append-only`),
    );
    await client.end();
    await rm(directory, { recursive: true, force: true });
  });
});

describe('store selection from env', () => {
  it.each([
    [
      { SUPABASE_URL: 'https://x.supabase.co', SUPABASE_KEY: 'k' },
      { kind: 'supabase', key: 'k' },
    ],
    [
      { SUPABASE_URL: 'https://x.supabase.co', SUPABASE_SECRET_KEY: 's' },
      { kind: 'supabase', key: 's' },
    ],
    [
      { SUPABASE_URL: 'https://x.supabase.co', SUPABASE_SERVICE_ROLE_KEY: 'r' },
      { kind: 'supabase', key: 'r' },
    ],
    [{ DATABASE_URL: 'postgres://h/db' }, { kind: 'postgres', connectionString: 'postgres://h/db' }],
    [{}, { kind: 'pglite', dataDir: '.data/pglite' }],
    [{ PRICING_DATA_DIR: '/tmp/p' }, { kind: 'pglite', dataDir: '/tmp/p' }],
  ])('%o -> %o', (env, expected) => {
    expect(storageConfigFromEnv(env)).toMatchObject(expected);
  });

  it('stops on a URL without a key, naming the missing variable', () => {
    expect(() => storageConfigFromEnv({ SUPABASE_URL: 'https://x.supabase.co' })).toThrow(/SUPABASE_KEY/);
  });

  it('stops on a key without a URL, naming the missing variable', () => {
    expect(() => storageConfigFromEnv({ SUPABASE_KEY: 'k' })).toThrow(/SUPABASE_URL/);
  });
});
