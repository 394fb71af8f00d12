import type { SqlSession } from './rpc-transport.js';

/**
 * One object of the schema as Postgres itself describes it: `key` names it (`table
 * public.model_pricing`, `function public.pricing_ping()`), `sql` is the statement that would
 * create it. Two schemas are the same when their entries are.
 */
export interface SchemaEntry {
  kind: SchemaEntryKind;
  key: string;
  sql: string;
}

export type SchemaEntryKind =
  'type' | 'table' | 'sequence' | 'constraint' | 'index' | 'policy' | 'trigger' | 'function' | 'grant';

const KIND_ORDER: readonly SchemaEntryKind[] = [
  'type',
  'table',
  'sequence',
  'constraint',
  'index',
  'function',
  'trigger',
  'policy',
  'grant',
];

const SECTION_TITLES: Record<SchemaEntryKind, string> = {
  type: 'types',
  table: 'tables',
  sequence: 'sequences',
  constraint: 'constraints',
  index: 'indexes',
  function: 'functions',
  trigger: 'triggers',
  policy: 'policies',
  grant: "privileges (beyond the owner's)",
};

/** The migration runner's own bookkeeping: created by `migrate`, not by a migration file. */
const RUNNER_TABLE = 'pricing_schema_migrations';

/**
 * Everything the migrations create in `schema`, read from the catalogs (not from the files):
 * types, tables with their columns, row level security, constraints, indexes, sequences,
 * policies, triggers, functions (`pg_get_functiondef`, the body as Postgres stores it) and every
 * privilege granted on them to a role other than the object's owner. Sorted, so equal schemas
 * give equal lists whatever order their objects were created in.
 */
export async function snapshotSchema(session: SqlSession, schema = 'public'): Promise<SchemaEntry[]> {
  const reads = [
    readTypes,
    readTables,
    readSequences,
    readConstraints,
    readIndexes,
    readPolicies,
    readTriggers,
    readFunctions,
    readGrants,
  ];
  // Names are printed schema-qualified only when not on the search path: read with none.
  const [saved] = await session.query<{ path: string }>(`select current_setting('search_path') as path`);
  await session.query(`select set_config('search_path', 'pg_catalog', false)`);
  const entries: SchemaEntry[] = [];
  try {
    for (const read of reads) entries.push(...(await read(session, schema)));
  } finally {
    await session.query(`select set_config('search_path', $1, false)`, [saved?.path ?? '"$user", public']);
  }
  return entries.sort(
    (a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || compareText(a.key, b.key),
  );
}

/** The first entry that differs between two snapshots, said in words; null when they are equal. */
export function firstSchemaDifference(
  actual: readonly SchemaEntry[],
  expected: readonly SchemaEntry[],
): string | null {
  const expectedByKey = new Map(expected.map((entry) => [entry.key, entry]));
  const actualByKey = new Map(actual.map((entry) => [entry.key, entry]));
  const keys = [...new Set([...expected, ...actual].map((entry) => entry.key))];
  for (const key of keys) {
    const want = expectedByKey.get(key);
    const have = actualByKey.get(key);
    if (want === undefined) return `${key} exists but the baseline does not create it`;
    if (have === undefined) return `${key} is missing (the baseline creates it)`;
    if (want.sql !== have.sql)
      return `${key} differs: found\n  ${have.sql}\nwhere the baseline has\n  ${want.sql}`;
  }
  return null;
}

/** The snapshot as one SQL file, as `supabase/schema.sql` is committed. */
export function renderSchemaSql(entries: readonly SchemaEntry[], header: string): string {
  const sections: string[] = [header.trimEnd()];
  let kind: SchemaEntryKind | null = null;
  for (const entry of entries) {
    if (entry.kind !== kind) {
      kind = entry.kind;
      sections.push(`-- ${SECTION_TITLES[kind]}`);
    }
    sections.push(entry.sql);
  }
  return sections.join('\n\n') + '\n';
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface NamedSql {
  key: string;
  sql: string;
}

async function rows(session: SqlSession, sql: string, schema: string): Promise<NamedSql[]> {
  return session.query<NamedSql>(sql, [schema]);
}

async function readTypes(session: SqlSession, schema: string): Promise<SchemaEntry[]> {
  const composite = await rows(
    session,
    `select 'type ' || n.nspname || '.' || t.typname as key,
            'create type ' || n.nspname || '.' || t.typname || ' as (' ||
              string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' order by a.attnum) ||
              ');' as sql
       from pg_type t
       join pg_namespace n on n.oid = t.typnamespace
       join pg_class c on c.oid = t.typrelid and c.relkind = 'c'
       join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where n.nspname = $1
      group by n.nspname, t.typname`,
    schema,
  );
  const enums = await rows(
    session,
    `select 'type ' || n.nspname || '.' || t.typname as key,
            'create type ' || n.nspname || '.' || t.typname || ' as enum (' ||
              string_agg(quote_literal(e.enumlabel), ', ' order by e.enumsortorder) || ');' as sql
       from pg_type t
       join pg_namespace n on n.oid = t.typnamespace
       join pg_enum e on e.enumtypid = t.oid
      where n.nspname = $1
      group by n.nspname, t.typname`,
    schema,
  );
  return [...composite, ...enums].map((row) => ({ kind: 'type', ...row }));
}

async function readTables(session: SqlSession, schema: string): Promise<SchemaEntry[]> {
  const tables = await rows(
    session,
    `select 'table ' || n.nspname || '.' || c.relname as key,
            'create table ' || n.nspname || '.' || c.relname || ' (' || chr(10) ||
              string_agg('  ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ||
                case when a.attidentity = 'a' then ' generated always as identity'
                     when a.attidentity = 'd' then ' generated by default as identity' else '' end ||
                case when a.attgenerated = 's' then ' generated always as (' || pg_get_expr(d.adbin, d.adrelid) || ') stored'
                     when d.adbin is not null then ' default ' || pg_get_expr(d.adbin, d.adrelid) else '' end ||
                case when a.attnotnull then ' not null' else '' end,
                ',' || chr(10) order by a.attnum) || chr(10) || ');' ||
              coalesce((select string_agg(chr(10) || 'alter table ' || n.nspname || '.' || c.relname || ' alter column ' ||
                                          sa.attname || ' set storage ' ||
                                          case sa.attstorage when 'p' then 'plain' when 'e' then 'external'
                                                             when 'm' then 'main' else 'extended' end || ';', '' order by sa.attnum)
                          from pg_attribute sa join pg_type st on st.oid = sa.atttypid
                         where sa.attrelid = c.oid and sa.attnum > 0 and not sa.attisdropped
                           and sa.attstorage <> st.typstorage), '') ||
              case when c.relrowsecurity then chr(10) || 'alter table ' || n.nspname || '.' || c.relname || ' enable row level security;' else '' end ||
              case when c.relforcerowsecurity then chr(10) || 'alter table ' || n.nspname || '.' || c.relname || ' force row level security;' else '' end
              as sql
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
       left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
      where n.nspname = $1 and c.relkind in ('r', 'p') and c.relname <> '${RUNNER_TABLE}'
      group by n.nspname, c.oid, c.relname, c.relrowsecurity, c.relforcerowsecurity`,
    schema,
  );
  return tables.map((row) => ({ kind: 'table', ...row }));
}

async function readSequences(session: SqlSession, schema: string): Promise<SchemaEntry[]> {
  const sequences = await rows(
    session,
    `select 'sequence ' || n.nspname || '.' || c.relname as key,
            case when exists (select 1 from pg_depend dep where dep.objid = c.oid and dep.deptype = 'i')
                 then '-- ' || n.nspname || '.' || c.relname || ': the identity sequence of ' ||
                      (select dep.refobjid::regclass::text || '.' || att.attname
                         from pg_depend dep
                         join pg_attribute att on att.attrelid = dep.refobjid and att.attnum = dep.refobjsubid
                        where dep.objid = c.oid and dep.deptype = 'i')
                 else 'create sequence ' || n.nspname || '.' || c.relname || ' as ' || format_type(s.seqtypid, null) ||
                      ' increment ' || s.seqincrement || ' minvalue ' || s.seqmin || ' maxvalue ' || s.seqmax ||
                      ' start ' || s.seqstart || case when s.seqcycle then ' cycle' else '' end || ';' end as sql
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
       join pg_sequence s on s.seqrelid = c.oid
      where n.nspname = $1 and c.relkind = 'S'`,
    schema,
  );
  return sequences.map((row) => ({ kind: 'sequence', ...row }));
}

async function readConstraints(session: SqlSession, schema: string): Promise<SchemaEntry[]> {
  const constraints = await rows(
    session,
    `select 'constraint ' || n.nspname || '.' || c.relname || '.' || k.conname as key,
            'alter table ' || n.nspname || '.' || c.relname || ' add constraint ' || k.conname || ' ' ||
              pg_get_constraintdef(k.oid) || ';' as sql
       from pg_constraint k
       join pg_class c on c.oid = k.conrelid
       join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and k.contype in ('p', 'u', 'c', 'f', 'x') and c.relname <> '${RUNNER_TABLE}'`,
    schema,
  );
  return constraints.map((row) => ({ kind: 'constraint', ...row }));
}

async function readIndexes(session: SqlSession, schema: string): Promise<SchemaEntry[]> {
  // Indexes behind a primary key, unique or exclusion constraint come with the constraint.
  const indexes = await rows(
    session,
    `select 'index ' || n.nspname || '.' || c.relname as key, pg_get_indexdef(c.oid) || ';' as sql
       from pg_index i
       join pg_class c on c.oid = i.indexrelid
       join pg_namespace n on n.oid = c.relnamespace
       join pg_class t on t.oid = i.indrelid
      where n.nspname = $1 and t.relname <> '${RUNNER_TABLE}'
        and not exists (select 1 from pg_constraint k where k.conindid = c.oid and k.contype in ('p', 'u', 'x'))`,
    schema,
  );
  return indexes.map((row) => ({ kind: 'index', ...row }));
}

async function readPolicies(session: SqlSession, schema: string): Promise<SchemaEntry[]> {
  const policies = await rows(
    session,
    `select 'policy ' || p.schemaname || '.' || p.tablename || '.' || p.policyname as key,
            'create policy ' || p.policyname || ' on ' || p.schemaname || '.' || p.tablename ||
              ' as ' || lower(p.permissive) || ' for ' || lower(p.cmd) ||
              ' to ' || array_to_string(p.roles, ', ') ||
              coalesce(' using (' || p.qual || ')', '') ||
              coalesce(' with check (' || p.with_check || ')', '') || ';' as sql
       from pg_policies p
      where p.schemaname = $1`,
    schema,
  );
  return policies.map((row) => ({ kind: 'policy', ...row }));
}

async function readTriggers(session: SqlSession, schema: string): Promise<SchemaEntry[]> {
  const triggers = await rows(
    session,
    `select 'trigger ' || n.nspname || '.' || c.relname || '.' || t.tgname as key,
            pg_get_triggerdef(t.oid) || ';' as sql
       from pg_trigger t
       join pg_class c on c.oid = t.tgrelid
       join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and not t.tgisinternal`,
    schema,
  );
  return triggers.map((row) => ({ kind: 'trigger', ...row }));
}

async function readFunctions(session: SqlSession, schema: string): Promise<SchemaEntry[]> {
  const functions = await rows(
    session,
    `select 'function ' || n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' as key,
            rtrim(pg_get_functiondef(p.oid), chr(10)) || ';' as sql
       from pg_proc p
       join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = $1 and p.prokind in ('f', 'p')
        and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')`,
    schema,
  );
  return functions.map((row) => ({ kind: 'function', ...row }));
}

/**
 * Privileges held by roles other than the owner (the owner holds everything it does not revoke
 * from itself), one entry per object and grantee, named the way GRANT names them.
 */
async function readGrants(session: SqlSession, schema: string): Promise<SchemaEntry[]> {
  const grants = await session.query<{ key: string; sql: string }>(
    `with objects as (
       select c.relname::text as name, case c.relkind when 'S' then 'sequence' else 'table' end as object_type,
              c.relowner as owner, c.relacl as acl, case c.relkind when 'S' then 's' else 'r' end as acl_kind
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = $1 and c.relkind in ('r', 'p', 'S', 'v', 'm') and c.relname <> '${RUNNER_TABLE}'
       union all
       select p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', 'function',
              p.proowner, p.proacl, 'f'
         from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = $1 and p.prokind in ('f', 'p')
          and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
       union all
       select t.typname, 'type', t.typowner, t.typacl, 'T'
         from pg_type t join pg_namespace n on n.oid = t.typnamespace
        where n.nspname = $1 and t.typtype in ('c', 'e', 'd')
          and (t.typrelid = 0 or (select relkind from pg_class where oid = t.typrelid) = 'c')
     ),
     privileges as (
       select o.object_type, o.name, x.grantee, x.privilege_type, x.is_grantable
         from objects o, aclexplode(coalesce(o.acl, acldefault(o.acl_kind::"char", o.owner))) x
        where x.grantee <> o.owner
     )
     select 'grant ' || object_type || ' ' || $1 || '.' || name || ' to ' ||
              case when grantee = 0 then 'public' else pg_get_userbyid(grantee) end as key,
            'grant ' || string_agg(lower(privilege_type) || case when is_grantable then ' (with grant option)' else '' end,
                                   ', ' order by privilege_type) ||
              ' on ' || object_type || ' ' || $1 || '.' || name || ' to ' ||
              case when grantee = 0 then 'public' else pg_get_userbyid(grantee) end || ';' as sql
       from privileges
      group by object_type, name, grantee`,
    [schema],
  );
  return grants.map((row) => ({ kind: 'grant', ...row }));
}
