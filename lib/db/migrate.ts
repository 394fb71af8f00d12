import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adoptLegacyDatabase, BASELINE_LAST, LEGACY_MIGRATIONS, legacyStateOf } from './legacy-adoption.js';
import type { SqlSession } from './rpc-transport.js';

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
  /** True when this run adopted a database migrated by the files squashed into the baseline. */
  adopted: boolean;
}

const MIGRATION_NAME = /^\d{14}_[a-z0-9_]+\.sql$/;

/** The repository's supabase/migrations, found from this file whether run from source or dist. */
export function defaultMigrationsDirectory(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth += 1) {
    const candidate = join(directory, 'supabase', 'migrations');
    if (existsSync(candidate)) return candidate;
    directory = dirname(directory);
  }
  throw new Error('supabase/migrations not found above ' + fileURLToPath(import.meta.url));
}

export async function readMigrations(directory = defaultMigrationsDirectory()): Promise<Migration[]> {
  const names = (await readdir(directory)).filter((name) => name.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const name of names) {
    if (!MIGRATION_NAME.test(name)) {
      throw new Error(`migration file name ${name} does not match YYYYMMDDHHmmss_name.sql`);
    }
    const sql = await readFile(join(directory, name), 'utf8');
    migrations.push({ name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return migrations;
}

/**
 * Applies pending migrations in name order, each in its own transaction, recording name and
 * checksum. Idempotent; refuses to run at all when an applied migration's file has changed,
 * because landed migrations are append-only.
 */
export async function migrate(session: SqlSession, migrations: Migration[]): Promise<MigrationReport> {
  await session.exec(`
    create table if not exists public.pricing_schema_migrations (
      name text primary key,
      checksum text not null,
      applied_at timestamptz not null default now()
    );
    alter table public.pricing_schema_migrations enable row level security;
    do $$ begin
      if exists (select 1 from pg_roles where rolname = 'anon') then
        revoke all on public.pricing_schema_migrations from anon;
      end if;
      if exists (select 1 from pg_roles where rolname = 'authenticated') then
        revoke all on public.pricing_schema_migrations from authenticated;
      end if;
    end $$;
  `);
  const readRecorded = () =>
    session.query<{ name: string; checksum: string }>(
      'select name, checksum from public.pricing_schema_migrations order by name',
    );
  let recorded = await readRecorded();
  const baseline = migrations.filter((migration) => migration.name <= BASELINE_LAST);
  const adopt =
    baseline.length > 0 &&
    !migrations.some((migration) => LEGACY_MIGRATIONS.includes(migration.name)) &&
    legacyStateOf(new Set(recorded.map((row) => row.name))) === 'adopt';
  if (adopt) {
    await adoptLegacyDatabase(session, baseline);
    recorded = await readRecorded();
  }
  const recordedByName = new Map(recorded.map((row) => [row.name, row.checksum]));
  for (const migration of migrations) {
    const checksum = recordedByName.get(migration.name);
    if (checksum !== undefined && checksum !== migration.checksum) {
      throw new Error(
        `migration ${migration.name} was edited after it was applied (checksum ${checksum.slice(0, 12)} recorded, ` +
          `${migration.checksum.slice(0, 12)} on disk). Landed migrations are append-only: restore the file ` +
          'and add a new migration instead.',
      );
    }
  }
  const report: MigrationReport = { applied: [], alreadyApplied: [], adopted: adopt };
  for (const migration of migrations) {
    if (recordedByName.has(migration.name)) {
      report.alreadyApplied.push(migration.name);
      continue;
    }
    const record = `insert into public.pricing_schema_migrations (name, checksum) values (${quote(migration.name)}, ${quote(migration.checksum)});`;
    await session.exec(`begin;\n${migration.sql}\n;${record}\ncommit;`).catch(async (error: unknown) => {
      // The migration's own error is the one to report; a rollback that fails too (no transaction
      // left open) leaves nothing applied, as the migration and its record commit together.
      await session.exec('rollback;').catch(() => undefined);
      throw new Error(
        `migration ${migration.name} failed: ${error instanceof Error ? error.message : error}`,
        {
          cause: error,
        },
      );
    });
    report.applied.push(migration.name);
  }
  return report;
}

function quote(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
