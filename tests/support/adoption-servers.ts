/**
 * The fixtures of the baseline adoption tests (tests/db/baseline-adoption.test.ts, and its PGlite
 * refusals in baseline-adoption.scale.ts): a database of each adapter as a deployment migrated it
 * before the squash, and the tampered databases adoption must refuse.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { expect } from 'vitest';
import { LEGACY_MIGRATIONS } from '../../lib/db/legacy-adoption.js';
import { migrate, type Migration } from '../../lib/db/migrate.js';
import { sessionOf } from '../../lib/db/pglite-adapter.js';
import type { SqlSession } from '../../lib/db/rpc-transport.js';
import { SUPABASE_DEFAULT_PRIVILEGES } from '../../lib/db/supabase-roles.js';
import { snapshotSchema } from '../../lib/db/schema-snapshot.js';
import { createTestDatabase, serverUrl, type TestDatabase } from './test-database.js';
import { pgliteEngine } from './test-store.js';

/** The 19 migrations as they landed before the squash, kept compressed only to test adoption. */
async function legacyMigrations(): Promise<Migration[]> {
  const packed = await readFile(new URL('../fixtures/legacy-migrations.json.gz', import.meta.url));
  const files = JSON.parse(gunzipSync(packed).toString('utf8')) as { name: string; sql: string }[];
  return files.map(({ name, sql }) => ({
    name,
    sql,
    checksum: createHash('sha256').update(sql).digest('hex'),
  }));
}

/** Data a running deployment has: adoption must leave every row as it was. */
const SOME_DATA = `
  insert into public.pricing_sync_runs (trigger, status) values ('cron', 'success');
  insert into public.model_pricing (provider, model_id, state, input_price_per_1m_tokens, source)
  values ('openrouter', 'acme/model', 'active', 0.123456789012345678901234567890, 'test');
  insert into public.model_pricing_history (run_id, provider, model_id, kind, new_state, new_prices)
  values (1, 'openrouter', 'acme/model', 'added', 'active', '{"state": "active"}');
`;

export async function rowsOf(session: SqlSession): Promise<unknown[]> {
  return session.query(
    `select (select json_agg(m order by model_id) from public.model_pricing m) as prices,
            (select json_agg(h order by id) from public.model_pricing_history h) as history,
            (select count(*)::int from public.pricing_sync_runs) as runs`,
  );
}

export async function recordedNames(session: SqlSession): Promise<string[]> {
  const rows = await session.query<{ name: string }>(
    'select name from public.pricing_schema_migrations order by name',
  );
  return rows.map((row) => row.name);
}

export interface Opened {
  session: SqlSession;
  close(): Promise<void>;
}

export interface Server {
  label: string;
  /** A fresh, empty database with Supabase's roles and default privileges. */
  open(): Promise<Opened>;
  /**
   * A fresh database as a deployment left it before the squash: the 19 legacy migrations and
   * SOME_DATA. Each is a copy of one image made once (the 19 migrations take seconds on each adapter).
   */
  openLegacy(): Promise<Opened>;
}

let legacyFiles: Promise<Migration[]> | undefined;
export const legacyOnce = () => (legacyFiles ??= legacyMigrations());

/** Migrates a fresh database of `server` with the legacy migrations and adds SOME_DATA. */
async function migrateLegacy(database: Opened): Promise<void> {
  await migrate(database.session, await legacyOnce());
  await database.session.exec(SOME_DATA);
}

/**
 * An empty PGlite database with Supabase's roles, made once and dumped: each test loads the dump
 * (under a second) instead of running PGlite's initdb again (5-8 s of one core).
 */
let emptyPgliteImage: Promise<File | Blob> | undefined;
function emptyPglite(): Promise<File | Blob> {
  emptyPgliteImage ??= (async () => {
    const database = await PGlite.create({ ...(await pgliteEngine()) });
    await sessionOf(database).exec(SUPABASE_DEFAULT_PRIVILEGES);
    const image = await database.dumpDataDir('none');
    await database.close();
    return image;
  })();
  return emptyPgliteImage;
}

async function openPgliteImage(image: File | Blob): Promise<Opened> {
  const database = await PGlite.create({ loadDataDir: image, ...(await pgliteEngine()) });
  return { session: sessionOf(database), close: () => database.close() };
}

let legacyPgliteImage: Promise<File | Blob> | undefined;
export const pgliteServer: Server = {
  label: 'PGlite',
  async open() {
    return openPgliteImage(await emptyPglite());
  },
  async openLegacy() {
    legacyPgliteImage ??= (async () => {
      const database = await PGlite.create({ loadDataDir: await emptyPglite(), ...(await pgliteEngine()) });
      await migrateLegacy({ session: sessionOf(database), close: () => database.close() });
      const image = await database.dumpDataDir('none');
      await database.close();
      return image;
    })();
    return openPgliteImage(await legacyPgliteImage);
  },
};

const databases: TestDatabase[] = [];
const clients: pg.Client[] = [];

function sessionOfClient(client: pg.Client): SqlSession {
  return {
    exec: async (sql) => void (await client.query(sql)),
    query: async <Row>(sql: string, params: unknown[] = []) =>
      (await client.query(sql, params)).rows as Row[],
  };
}

async function openPostgres(template?: string): Promise<Opened> {
  const database = await createTestDatabase({ migrate: false, template });
  databases.push(database);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  clients.push(client);
  return { session: sessionOfClient(client), close: async () => undefined }; // ended after all tests, even a failed one
}

/** The legacy image on the server: a database nothing stays connected to, copied as a template. */
let legacyTemplate: Promise<string> | undefined;
export const postgresServer: Server = {
  label: 'Postgres',
  open: () => openPostgres(),
  async openLegacy() {
    legacyTemplate ??= (async () => {
      const database = await createTestDatabase({ migrate: false });
      await migrateLegacy({ session: sessionOfClient(database.admin), close: async () => undefined });
      await database.admin.end();
      databases.push({ ...database, drop: () => dropDatabase(database.name) });
      return database.name;
    })();
    return openPostgres(await legacyTemplate);
  },
};

async function dropDatabase(name: string): Promise<void> {
  const root = new pg.Client({ connectionString: serverUrl() });
  await root.connect();
  await root.query(`drop database if exists ${name} with (force)`);
  await root.end();
}

/** Ends the Postgres clients and drops the databases the servers made (in the file's afterAll). */
export async function closeServers(): Promise<void> {
  await Promise.all(clients.map((client) => client.end()));
  // The copies first: a template is dropped last.
  for (const database of databases.reverse()) await database.drop();
}

/** Changes a legacy database in a way the baseline does not make, and what the refusal must name. */
export const TAMPERS: [string, string, RegExp][] = [
  [
    'an extra column',
    'alter table public.model_pricing add column note text',
    /table public\.model_pricing differs/,
  ],
  [
    'a changed grant',
    'grant select on public.pricing_pins to anon',
    /grant table public\.pricing_pins to anon exists but the baseline does not create it/,
  ],
  [
    'a dropped index',
    'drop index public.pricing_held_changes_status_idx',
    /index public\.pricing_held_changes_status_idx is missing/,
  ],
  [
    'an extra function',
    'create function public.pricing_extra() returns int language sql as $$ select 1 $$',
    /function public\.pricing_extra\(\) exists but the baseline does not create it/,
  ],
];

/** Adoption refuses a tampered legacy database, naming the difference, and changes nothing. */
export async function expectRefused(
  server: Server,
  baseline: Migration[],
  tamper: string,
  message: RegExp,
): Promise<void> {
  const database = await server.openLegacy();
  await database.session.exec(tamper);
  const before = await snapshotSchema(database.session);
  const rows = await rowsOf(database.session);

  await expect(migrate(database.session, baseline)).rejects.toThrow(message);

  expect(await snapshotSchema(database.session)).toEqual(before);
  expect(await rowsOf(database.session)).toEqual(rows);
  expect(await recordedNames(database.session)).toEqual([...LEGACY_MIGRATIONS]);
  await database.close();
}
