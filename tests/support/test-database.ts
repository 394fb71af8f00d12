import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { SUPABASE_DEFAULT_PRIVILEGES } from '../../lib/db/supabase-roles.js';
import { settleStatistics as settleStats, statsSessionOf, totalTableWrites } from './settle-stats.js';

export interface TestDatabase {
  name: string;
  url: string;
  /** A superuser client on this database, for inspecting tables from outside the code under test. */
  admin: pg.Client;
  drop(): Promise<void>;
}

export function serverUrl(): string {
  return inject('postgresUrl');
}

export function databaseUrl(name: string): string {
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A fresh database on the embedded server with Supabase's defaults; migrated unless told not to. A
 * migrated one is a copy of the template the global setup migrated once (`global-postgres.ts`).
 * `template` copies another test database instead (one nothing is connected to), as it is.
 */
export async function createTestDatabase(
  options: { migrate?: boolean; template?: string } = {},
): Promise<TestDatabase> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const migrate = options.migrate ?? true;
  const template = options.template ?? (migrate ? inject('postgresTemplate') : undefined);
  const root = new pg.Client({ connectionString: serverUrl() });
  await root.connect();
  await root.query(`create database ${name}${template ? ` template ${template}` : ''}`);
  await root.end();
  const url = databaseUrl(name);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  if (!template) await admin.query(SUPABASE_DEFAULT_PRIVILEGES);
  return {
    name,
    url,
    admin,
    async drop() {
      await admin.end();
      const client = new pg.Client({ connectionString: serverUrl() });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/** Makes pg_stat_user_tables current for this database (see `settle-stats.ts`). */
export async function settleStatistics(database: TestDatabase): Promise<void> {
  await settleStats(statsSessionOf(database.admin), database.name);
}

/** Inserts, updates and deletes Postgres itself has counted on these tables, read from outside the code under test. */
export async function tableWrites(database: TestDatabase, tables: string[]): Promise<number> {
  return totalTableWrites(statsSessionOf(database.admin), database.name, tables);
}

/** A hash of a table's whole content, to compare "byte for byte" before and after. */
export async function tableHash(admin: pg.Client, table: string): Promise<string> {
  const result = await admin.query<{ hash: string | null }>(
    `select md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) as hash from ${table} t`,
  );
  return result.rows[0]?.hash ?? '';
}
