-- Staging a chunk no longer waits for the lease row (issue 29): a provider stages its rows while
-- another provider commits, where it waited for that commit's transaction, which holds the lease
-- row until it ends (pricing_assert_lease). The lease is checked, not locked
-- (pricing_check_lease), as pricing_stage_litellm_entries does. A run that loses its lease
-- meanwhile stages rows nobody reads: a commit reads only its own run's chunks and locks the lease
-- first, and the next pricing_take_lease deletes every staged row.

-- pricing_assert_lease without the lock: for what writes nothing another run or provider reads.
create or replace function public.pricing_check_lease(p_run_id bigint)
returns void language plpgsql set search_path = ''
as $$
declare
  v_holder bigint;
begin
  select l.run_id into v_holder from public.pricing_sync_lease l where l.id = 1;
  if v_holder is distinct from p_run_id then
    raise exception 'run % does not hold the sync lease (holder: %)', p_run_id, coalesce(v_holder::text, 'none')
      using errcode = '55P03';
  end if;
end;
$$;

revoke execute on function public.pricing_check_lease from public, anon, authenticated;

create or replace function public.pricing_stage_chunk(p_run_id bigint, p_provider text, p_chunk_no integer, p_rows jsonb)
returns jsonb language plpgsql security definer set search_path = ''
as $$
begin
  perform public.pricing_check_lease(p_run_id);
  if pg_catalog.jsonb_typeof(p_rows) is distinct from 'array' then
    raise exception 'rows must be a JSON array' using errcode = '22023';
  end if;
  insert into public.pricing_apply_stage (run_id, provider, chunk_no, rows)
  values (p_run_id, p_provider, p_chunk_no, p_rows)
  on conflict (run_id, provider, chunk_no) do update set rows = excluded.rows;
  return pg_catalog.jsonb_build_object('staged', pg_catalog.jsonb_array_length(p_rows));
end;
$$;
