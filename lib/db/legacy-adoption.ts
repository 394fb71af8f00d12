import type { Migration } from './migrate.js';
import type { SqlSession } from './rpc-transport.js';
import { firstSchemaDifference, snapshotSchema, type SchemaEntry } from './schema-snapshot.js';

/**
 * The 19 migrations that landed before the history was squashed into the baseline (once, before
 * the first production deploy). A database that recorded exactly these is adopted: checked
 * against the baseline, its functions brought to the baseline's, the baseline recorded.
 */
export const LEGACY_MIGRATIONS: readonly string[] = [
  '20261127110000_pricing_schema',
  '20261127110100_pricing_functions',
  '20261127130000_held_change_counts',
  '20261128100000_sequence_privileges',
  '20261128100100_lease_functions',
  '20261128100200_apply_functions',
  '20261128100300_finish_functions',
  '20261128100400_read_functions',
  '20261128200000_prices_read_api',
  '20261201200000_operator_control',
  '20261201200100_operator_runs',
  '20261201200200_operator_pins',
  '20261201200300_prices_at',
  '20261201200400_operator_metrics',
  '20261201500000_litellm_map_json',
  '20261201600000_commit_one_pass',
  '20261201600100_read_models_json',
  '20261201700000_litellm_entries_staged',
  '20261201700100_catalog_hash_after_commit',
].map((name) => `${name}.sql`);

/** The last file of the baseline: files up to it are the baseline, files after it apply as usual. */
export const BASELINE_LAST = '20261206000900_metrics.sql';

/** Functions the old path created that the baseline does not (nothing calls them any more). */
export const SUPERSEDED_FUNCTIONS: readonly string[] = [
  'public.pricing_put_litellm_entries(p_run_id bigint, p_entries jsonb)',
];

/** Baseline files that create tables and types; every other baseline file can run again as it is. */
const SCHEMA_FILE = /_schema\.sql$/;

export class AdoptionRefused extends Error {
  override readonly name = 'AdoptionRefused';
}

/** What the recorded migrations say about the database: new, adoptable, or neither. */
export function legacyStateOf(recorded: ReadonlySet<string>): 'none' | 'adopt' {
  const legacy = LEGACY_MIGRATIONS.filter((name) => recorded.has(name));
  if (legacy.length === 0) return 'none';
  const missing = LEGACY_MIGRATIONS.filter((name) => !recorded.has(name));
  if (missing.length > 0) {
    throw new AdoptionRefused(
      `this database recorded ${legacy.length} of the ${LEGACY_MIGRATIONS.length} migrations squashed into the ` +
        `baseline but not ${missing[0]}${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}: ` +
        'only a database that applied all of them can be adopted. Nothing was changed.',
    );
  }
  const other = [...recorded].filter((name) => !LEGACY_MIGRATIONS.includes(name)).sort();
  if (other.length > 0) {
    throw new AdoptionRefused(
      `this database recorded the squashed migrations and also ${other[0]}, which is neither one of them nor ` +
        'of the baseline: it cannot be adopted. Nothing was changed.',
    );
  }
  return 'adopt';
}

/**
 * Adopts a database migrated by the legacy files, in one transaction: builds the baseline beside
 * it (in a savepoint, under a fresh `public`, then rolled back) and compares the two; if its
 * tables, columns, constraints, indexes, policies, triggers and privileges are the baseline's and
 * its functions are the baseline's plus SUPERSEDED_FUNCTIONS, every function is replaced by the
 * baseline's (`create or replace`), the superseded ones are dropped and the baseline is recorded
 * in place of the legacy names. Any difference refuses, naming the first one, and changes nothing.
 */
export async function adoptLegacyDatabase(
  session: SqlSession,
  baseline: readonly Migration[],
): Promise<void> {
  await session.exec('begin');
  try {
    const current = await snapshotSchema(session);
    const expected = await snapshotOfBaseline(session, baseline);
    const difference = adoptionDifference(current, expected);
    if (difference !== null) {
      throw new AdoptionRefused(
        `this database ran the ${LEGACY_MIGRATIONS.length} squashed migrations but is not what they create: ` +
          `${difference}. Nothing was changed.`,
      );
    }
    for (const migration of baseline) {
      if (!SCHEMA_FILE.test(migration.name)) await session.exec(migration.sql);
    }
    for (const signature of SUPERSEDED_FUNCTIONS) {
      if (current.some((entry) => entry.key === `function ${signature}`)) {
        // DROP FUNCTION takes the arguments with their names, as pg_get_function_identity_arguments gives them.
        await session.exec(`drop function ${signature};`);
      }
    }
    await session.query('delete from public.pricing_schema_migrations where name = any($1)', [
      [...LEGACY_MIGRATIONS],
    ]);
    for (const migration of baseline) {
      await session.query('insert into public.pricing_schema_migrations (name, checksum) values ($1, $2)', [
        migration.name,
        migration.checksum,
      ]);
    }
    await session.exec('commit');
  } catch (error) {
    await session.exec('rollback').catch(() => undefined); // the error thrown below is the one to report
    throw error;
  }
}

/**
 * The schema the baseline creates on this very server (same version, same roles, same default
 * privileges), built in a savepoint under a fresh `public` and rolled back.
 */
async function snapshotOfBaseline(
  session: SqlSession,
  baseline: readonly Migration[],
): Promise<SchemaEntry[]> {
  await session.exec('savepoint pricing_adopt_check');
  try {
    const defaults = await session.query<{ statement: string }>(DEFAULT_PRIVILEGES_OF_PUBLIC);
    await session.exec('alter schema public rename to pricing_adopt_previous; create schema public;');
    for (const { statement } of defaults) await session.exec(statement);
    for (const migration of baseline) await session.exec(migration.sql);
    return await snapshotSchema(session);
  } finally {
    await session.exec('rollback to savepoint pricing_adopt_check; release savepoint pricing_adopt_check;');
  }
}

/**
 * The default privileges the current role has in `public` (Supabase grants anon, authenticated and
 * service_role everything on new objects), restated for a schema of the same name: objects the
 * baseline creates get the privileges they got when the legacy files ran.
 */
const DEFAULT_PRIVILEGES_OF_PUBLIC = `
  select 'alter default privileges in schema public grant ' || lower(x.privilege_type) || ' on ' ||
         case d.defaclobjtype when 'r' then 'tables' when 'S' then 'sequences' when 'f' then 'functions'
                              when 'T' then 'types' when 'n' then 'schemas' end ||
         ' to ' || case when x.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(x.grantee)) end ||
         case when x.is_grantable then ' with grant option' else '' end as statement
    from pg_default_acl d
    join pg_namespace n on n.oid = d.defaclnamespace and n.nspname = 'public'
    cross join lateral aclexplode(d.defaclacl) x
   where d.defaclrole = (select oid from pg_roles where rolname = current_user)`;

/** Functions are compared by name and arguments (their bodies are replaced); everything else whole. */
function adoptionDifference(
  current: readonly SchemaEntry[],
  expected: readonly SchemaEntry[],
): string | null {
  const isSuperseded = (entry: SchemaEntry) =>
    SUPERSEDED_FUNCTIONS.some(
      (signature) =>
        entry.key === `function ${signature}` || entry.key.startsWith(`grant function ${signature} to `),
    );
  const comparable = (entries: readonly SchemaEntry[]) =>
    entries
      .filter((entry) => !isSuperseded(entry))
      .map((entry) => (entry.kind === 'function' ? { ...entry, sql: entry.key } : entry));
  return firstSchemaDifference(comparable(current), comparable(expected));
}
