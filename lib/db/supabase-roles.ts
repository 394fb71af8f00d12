/**
 * Supabase's roles and default privileges, as a Supabase project has them: new tables are granted
 * to anon, authenticated and service_role, and new functions are executable by them, unless a
 * migration revokes. supabase/schema.sql is generated under them, so its privileges read as a
 * Supabase project's do.
 */
export const SUPABASE_DEFAULT_PRIVILEGES = `
  do $$ begin
    if not exists (select 1 from pg_roles where rolname = 'anon') then create role anon nologin; end if;
    if not exists (select 1 from pg_roles where rolname = 'authenticated') then create role authenticated nologin; end if;
    if not exists (select 1 from pg_roles where rolname = 'service_role') then create role service_role nologin bypassrls; end if;
  end $$;
  grant usage on schema public to anon, authenticated, service_role;
  alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
  alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
  alter default privileges in schema public grant execute on functions to anon, authenticated, service_role;
`;
