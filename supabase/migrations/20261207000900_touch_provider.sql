-- pricing_commit_provider for a commit that writes no model: nothing staged, no rows, none missing
-- (issue 29). The unchanged shortcuts (the same bytes, the same catalog hash) commit exactly this
-- every run, and pricing_commit_provider, which first sets up its session's incoming table, cost a
-- 25,000-model unchanged re-sync ~15-25 ms of its ~165 ms. It does what that call did: checks and
-- locks the lease, and records the provider's success, hash and held changes; the count of models
-- by state is kept (nothing was written), or counted for a provider row that has none.

-- A provider's models counted by state, as pricing_commit_provider counts them.
create or replace function public.pricing_models_by_state(p_provider text)
returns jsonb language sql stable set search_path = ''
as $$
  select coalesce(pg_catalog.jsonb_object_agg(c.state, c.n), '{}'::jsonb)
    from (select m.state, pg_catalog.count(*) as n from public.model_pricing m
           where m.provider = p_provider group by m.state) c;
$$;

create or replace function public.pricing_touch_provider(
  p_run_id bigint,
  p_provider text,
  p_catalog_hash text,
  p_held jsonb
)
returns jsonb language plpgsql security definer set search_path = ''
as $$
declare
  v_held_changes jsonb;
  v_held_count integer;
  v_now timestamptz := pg_catalog.clock_timestamp();
begin
  perform public.pricing_assert_lease(p_run_id);
  -- For a commit that staged nothing: staged rows are written by pricing_commit_provider only.
  if exists (select 1 from public.pricing_apply_stage s where s.run_id = p_run_id and s.provider = p_provider) then
    raise exception '%: rows are staged for run %; they are committed by pricing_commit_provider', p_provider, p_run_id
      using errcode = '22023';
  end if;
  if pg_catalog.jsonb_typeof(p_held) = 'object' then
    v_held_changes := coalesce(p_held -> 'changes', '[]'::jsonb);
    v_held_count := coalesce((p_held ->> 'count')::integer, pg_catalog.jsonb_array_length(v_held_changes));
  else
    v_held_changes := coalesce(p_held, '[]'::jsonb);
    v_held_count := pg_catalog.jsonb_array_length(v_held_changes);
  end if;

  -- The lease row is locked: nobody else writes this provider's row meanwhile.
  update public.pricing_providers p
     set last_attempt_at = v_now,
         last_success_at = v_now,
         last_run_id = p_run_id,
         catalog_hash = p_catalog_hash,
         last_error_reason = null,
         last_error = null,
         models_by_state = case when p.models_by_state = '{}'::jsonb
                                then public.pricing_models_by_state(p_provider)
                                else p.models_by_state end,
         held_count = v_held_count,
         held_changes = v_held_changes,
         updated_at = v_now
   where p.provider = p_provider;
  if not found then
    insert into public.pricing_providers (
      provider, last_attempt_at, last_success_at, last_run_id, catalog_hash, last_error_reason,
      last_error, models_by_state, held_count, held_changes, updated_at)
    values (
      p_provider, v_now, v_now, p_run_id, p_catalog_hash, null, null,
      public.pricing_models_by_state(p_provider), v_held_count, v_held_changes, v_now);
  end if;

  return pg_catalog.jsonb_build_object(
    'added', 0, 'changed', 0, 'restored', 0, 'missing', 0, 'rows_written', 0);
end;
$$;

revoke execute on function public.pricing_models_by_state, public.pricing_touch_provider
  from public, anon, authenticated;
grant execute on function public.pricing_touch_provider to service_role;
