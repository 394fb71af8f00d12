import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { PgliteAdapter } from '../../lib/db/pglite-adapter.js';
import { PostgresAdapter } from '../../lib/db/postgres-adapter.js';
import { SUPABASE_DEFAULT_PRIVILEGES } from '../../lib/db/supabase-roles.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../support/embedded-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
    /** A database with Supabase's defaults and every migration applied, copied for each test database. */
    postgresTemplate: string;
    /** A PGlite data folder with every migration applied, copied for each fresh PGlite store. */
    pgliteTemplate: string;
  }
}

export const MIGRATED_TEMPLATE = 'pricing_sync_migrated_template';

let server: EmbeddedServer | undefined;
let pgliteFolder: string | undefined;

/** Migrates the template once, so that a test database is a file copy instead of ten migrations. */
async function createMigratedTemplate(serverUrl: string): Promise<void> {
  const root = new pg.Client({ connectionString: serverUrl });
  await root.connect();
  await root.query(`create database ${MIGRATED_TEMPLATE}`);
  await root.end();
  const url = new URL(serverUrl);
  url.pathname = `/${MIGRATED_TEMPLATE}`;
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  await admin.query(SUPABASE_DEFAULT_PRIVILEGES);
  await admin.end();
  const adapter = new PostgresAdapter({ connectionString: url.toString() });
  await adapter.migrate();
  await adapter.close();
}

/**
 * A fresh PGlite data folder costs an initdb in WebAssembly (5-8 s of one core); opening a copy of
 * a migrated one costs under a second. Made once per run instead of once per test file.
 */
async function createPgliteTemplate(): Promise<string> {
  pgliteFolder = await mkdtemp(join(tmpdir(), 'pricing-sync-pglite-template-'));
  const dataDir = join(pgliteFolder, 'db');
  await (await PgliteAdapter.open({ dataDir })).close();
  return dataDir;
}

/** One embedded Postgres for the whole test run; each test file makes its own database in it. */
export async function setup(project: TestProject): Promise<void> {
  const pgliteTemplate = createPgliteTemplate();
  server = await startEmbeddedPostgres();
  await createMigratedTemplate(server.url);
  project.provide('postgresUrl', server.url);
  project.provide('postgresTemplate', MIGRATED_TEMPLATE);
  project.provide('pgliteTemplate', await pgliteTemplate);
}

export async function teardown(): Promise<void> {
  await server?.dispose();
  if (pgliteFolder) await rm(pgliteFolder, { recursive: true, force: true });
}
