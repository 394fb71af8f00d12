-- The LiteLLM entries of an apply are staged in chunks and written in the same transaction as the
-- litellm provider's rows (issue 15, the 250,000-model run). pricing_put_litellm_entries took all
-- 160,000 entries of the scale run in one call after the commit: one 36 MB argument (~1.9 s, all
-- of it after the commit, while nothing else could run), and a failure of it left the provider
-- committed without its entries. Now:
--  * pricing_stage_litellm_entries stages one chunk. It checks the lease without locking its row,
--    so chunks are staged beside another provider's commit instead of waiting for it: nothing
--    staged is visible until pricing_commit_litellm, which takes the lock;
--  * pricing_commit_litellm commits the provider (pricing_commit_provider, unchanged) and writes
--    the staged entries and the last chunk in one transaction: a failure anywhere leaves the
--    provider and its entries as they were.

-- A chunk lives for seconds: stored uncompressed (compressing it only costs time).
create table public.pricing_litellm_entries_stage (
  run_id bigint not null,
  chunk_no integer not null,
  entries jsonb not null,
  primary key (run_id, chunk_no)
);
alter table public.pricing_litellm_entries_stage alter column entries set storage external;
alter table public.pricing_litellm_entries_stage enable row level security;
revoke all on public.pricing_litellm_entries_stage from anon, authenticated;

-- Stages one chunk of entries ({model_id: entry}) for the run holding the lease.
create function public.pricing_stage_litellm_entries(p_run_id bigint, p_chunk_no integer, p_entries jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_holder bigint;
begin
  -- Checked, not locked (see above). A run that loses its lease meanwhile stages rows nobody reads.
  select l.run_id into v_holder from public.pricing_sync_lease l where l.id = 1;
  if v_holder is distinct from p_run_id then
    raise exception 'run % does not hold the sync lease (holder: %)', p_run_id, coalesce(v_holder::text, 'none')
      using errcode = '55P03';
  end if;
  if pg_catalog.jsonb_typeof(p_entries) is distinct from 'object' then
    raise exception 'entries must be a JSON object' using errcode = '22023';
  end if;
  -- Chunks of runs that staged and never committed (held, failed, killed).
  delete from public.pricing_litellm_entries_stage s where s.run_id <> p_run_id;
  insert into public.pricing_litellm_entries_stage (run_id, chunk_no, entries)
  values (p_run_id, p_chunk_no, p_entries)
  on conflict (run_id, chunk_no) do update set entries = excluded.entries;
  return pg_catalog.jsonb_build_object('staged', (select count(*) from pg_catalog.jsonb_object_keys(p_entries)));
end;
$$;

-- Commits the litellm provider as pricing_commit_provider does, then writes its entries: the
-- staged chunks of this run and p_entries, except those of p_held_models (a held model keeps its
-- previous entry). Only entries that differ are written; none is ever deleted (see
-- pricing_put_litellm_entries). Returns the commit's counts and `entries_written`.
create function public.pricing_commit_litellm(
  p_run_id bigint,
  p_rows jsonb,
  p_missing text[],
  p_catalog_hash text,
  p_held jsonb,
  p_source text,
  p_entries jsonb,
  p_held_models text[]
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_result jsonb;
  v_written integer;
  v_now timestamptz := pg_catalog.clock_timestamp();
begin
  -- Asserts (and locks) the lease first.
  v_result := public.pricing_commit_provider(
    p_run_id, 'litellm', p_rows, p_missing, p_catalog_hash, p_held, p_source);
  if p_entries is not null and pg_catalog.jsonb_typeof(p_entries) <> 'object' then
    raise exception 'entries must be a JSON object' using errcode = '22023';
  end if;
  insert into public.pricing_litellm_entries as e (model_id, entry, updated_at)
  select x.key, x.value, v_now
    from (select s.entries from public.pricing_litellm_entries_stage s where s.run_id = p_run_id
          union all
          select p_entries where p_entries is not null) c,
         pg_catalog.jsonb_each(c.entries) as x(key, value)
   where pg_catalog.jsonb_typeof(x.value) = 'object'
     and not exists (select 1 from pg_catalog.unnest(p_held_models) as h(model_id) where h.model_id = x.key)
  on conflict (model_id) do update set entry = excluded.entry, updated_at = excluded.updated_at
   where e.entry is distinct from excluded.entry;
  get diagnostics v_written = row_count;
  delete from public.pricing_litellm_entries_stage s where s.run_id = p_run_id;
  return v_result || pg_catalog.jsonb_build_object('entries_written', v_written);
end;
$$;

-- EXECUTE for the server key only, as for every other function.
revoke execute on function
  public.pricing_stage_litellm_entries(bigint, integer, jsonb),
  public.pricing_commit_litellm(bigint, jsonb, text[], text, jsonb, text, jsonb, text[])
  from public, anon, authenticated;
grant execute on function
  public.pricing_stage_litellm_entries(bigint, integer, jsonb),
  public.pricing_commit_litellm(bigint, jsonb, text[], text, jsonb, text, jsonb, text[])
  to service_role;
