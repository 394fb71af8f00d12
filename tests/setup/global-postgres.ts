import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { PostgresAdapter } from '../../lib/db/postgres-adapter.js';
import { SUPABASE_DEFAULT_PRIVILEGES } from '../../lib/db/supabase-roles.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../support/embedded-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
    /** A database with Supabase's defaults and every migration applied, copied for each test database. */
    postgresTemplate: string;
  }
}

export const MIGRATED_TEMPLATE = 'pricing_sync_migrated_template';

let server: EmbeddedServer | undefined;

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

/** One embedded Postgres for the whole test run; each test file makes its own database in it. */
export async function setup(project: TestProject): Promise<void> {
  server = await startEmbeddedPostgres();
  await createMigratedTemplate(server.url);
  project.provide('postgresUrl', server.url);
  project.provide('postgresTemplate', MIGRATED_TEMPLATE);
}

export async function teardown(): Promise<void> {
  await server?.dispose();
}
