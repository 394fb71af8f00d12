-- pricing_commit_provider for a commit that writes no model: nothing staged, no rows, none missing
-- (issue 29). The unchanged shortcuts (the same bytes, the same catalog hash) commit exactly this
-- every run, and pricing_commit_provider, which first sets up its session's incoming table, cost a
-- 25,000-model unchanged re-sync ~15-25 ms of its ~165 ms. It does what that call did: checks and
-- locks the lease, and records the provider's success, hash and held changes with the same helper
-- as that commit (pricing_record_provider_success, below; 20261207001000 makes the commit use it).

-- A provider's models counted by state, as pricing_commit_provider counts them.
create or replace function public.pricing_models_by_state(p_provider text)
returns jsonb language sql stable set search_path = ''
as $$
  select coalesce(pg_catalog.jsonb_object_agg(c.state, c.n), '{}'::jsonb)
    from (select m.state, pg_catalog.count(*) as n from public.model_pricing m
           where m.provider = p_provider group by m.state) c;
$$;

-- A provider's successful commit on its row: when, by which run, its hash and its held changes
-- (`p_held`: {count, changes}, or the changes alone); its models counted by state when the commit
-- wrote any (`p_wrote`) or the row has no counts, else kept. Shared by pricing_commit_provider
-- and pricing_touch_provider, so that the two record a provider alike. The caller holds the lease
-- row locked: nobody else writes this provider's row meanwhile.
create or replace function public.pricing_record_provider_success(
  p_run_id bigint,
  p_provider text,
  p_catalog_hash text,
  p_held jsonb,
  p_wrote boolean,
  p_now timestamptz
)
returns void language plpgsql set search_path = ''
as $$
declare
  v_held_changes jsonb;
  v_held_count integer;
begin
  if pg_catalog.jsonb_typeof(p_held) = 'object' then
    v_held_changes := coalesce(p_held -> 'changes', '[]'::jsonb);
    v_held_count := coalesce((p_held ->> 'count')::integer, pg_catalog.jsonb_array_length(v_held_changes));
  else
    v_held_changes := coalesce(p_held, '[]'::jsonb);
    v_held_count := pg_catalog.jsonb_array_length(v_held_changes);
  end if;

  update public.pricing_providers p
     set last_attempt_at = p_now,
         last_success_at = p_now,
         last_run_id = p_run_id,
         catalog_hash = p_catalog_hash,
         last_error_reason = null,
         last_error = null,
         models_by_state = case when p_wrote or p.models_by_state = '{}'::jsonb
                                then public.pricing_models_by_state(p_provider)
                                else p.models_by_state end,
         held_count = v_held_count,
         held_changes = v_held_changes,
         updated_at = p_now
   where p.provider = p_provider;
  if not found then
    insert into public.pricing_providers (
      provider, last_attempt_at, last_success_at, last_run_id, catalog_hash, last_error_reason,
      last_error, models_by_state, held_count, held_changes, updated_at)
    values (
      p_provider, p_now, p_now, p_run_id, p_catalog_hash, null, null,
      public.pricing_models_by_state(p_provider), v_held_count, v_held_changes, p_now);
  end if;
end;
$$;

create or replace function public.pricing_touch_provider(
  p_run_id bigint,
  p_provider text,
  p_catalog_hash text,
  p_held jsonb
)
returns jsonb language plpgsql security definer set search_path = ''
as $$
begin
  perform public.pricing_assert_lease(p_run_id);
  -- For a commit that staged nothing: staged rows are written by pricing_commit_provider only.
  if exists (select 1 from public.pricing_apply_stage s where s.run_id = p_run_id and s.provider = p_provider) then
    raise exception '%: rows are staged for run %; they are committed by pricing_commit_provider', p_provider, p_run_id
      using errcode = '22023';
  end if;
  perform public.pricing_record_provider_success(
    p_run_id, p_provider, p_catalog_hash, p_held, false, pg_catalog.clock_timestamp());
  return pg_catalog.jsonb_build_object(
    'added', 0, 'changed', 0, 'restored', 0, 'missing', 0, 'rows_written', 0);
end;
$$;

revoke execute on function public.pricing_models_by_state, public.pricing_record_provider_success,
  public.pricing_touch_provider
  from public, anon, authenticated;
grant execute on function public.pricing_touch_provider to service_role;
