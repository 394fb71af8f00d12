-- Held changes: count them all, and keep them while a provider fails.
-- 1. pricing_commit_provider stored held_count as the length of the list it was given, which the
--    engine caps for size; it now also accepts {count, changes} and stores the true count.
-- 2. pricing_finish_run cleared a failed provider's held changes; pending holds now survive a
--    failed fetch (they still wait for an admin).
-- The earlier functions keep their bodies under internal names; these wrappers call them.

alter function public.pricing_commit_provider(bigint, text, jsonb, text[], text, jsonb, text)
  rename to pricing_commit_provider_rows;
alter function public.pricing_finish_run(bigint, text, jsonb, text)
  rename to pricing_finish_run_recorded;
revoke execute on function
  public.pricing_commit_provider_rows(bigint, text, jsonb, text[], text, jsonb, text),
  public.pricing_finish_run_recorded(bigint, text, jsonb, text)
  from public, anon, authenticated, service_role;

-- p_held: a JSON array of held changes, or {count, changes} when the list was shortened.
create function public.pricing_commit_provider(
  p_run_id bigint,
  p_provider text,
  p_rows jsonb,
  p_missing text[],
  p_catalog_hash text,
  p_held jsonb,
  p_source text
)
returns jsonb
language plpgsql
security definer
set search_path = public, pg_temp
as $$
declare
  v_changes jsonb;
  v_count integer;
  v_result jsonb;
begin
  if jsonb_typeof(p_held) = 'object' then
    v_changes := coalesce(p_held -> 'changes', '[]'::jsonb);
    v_count := coalesce((p_held ->> 'count')::integer, jsonb_array_length(v_changes));
  else
    v_changes := coalesce(p_held, '[]'::jsonb);
    v_count := jsonb_array_length(v_changes);
  end if;
  v_result := pricing_commit_provider_rows(p_run_id, p_provider, p_rows, p_missing, p_catalog_hash, v_changes, p_source);
  if v_count <> jsonb_array_length(v_changes) then
    update pricing_providers set held_count = v_count where provider = p_provider;
  end if;
  return v_result;
end;
$$;

create function public.pricing_finish_run(p_run_id bigint, p_status text, p_results jsonb, p_error text)
returns jsonb
language plpgsql
security definer
set search_path = public, pg_temp
as $$
declare
  v_kept jsonb;
  v_result jsonb;
begin
  select coalesce(jsonb_object_agg(p.provider, jsonb_build_object('count', p.held_count, 'changes', p.held_changes)),
                  '{}'::jsonb)
    into v_kept
    from pricing_providers p
   where jsonb_typeof(p_results -> 'providers' -> p.provider -> 'error') = 'object';
  v_result := pricing_finish_run_recorded(p_run_id, p_status, p_results, p_error);
  if coalesce((v_result ->> 'finished')::boolean, false) and v_kept <> '{}'::jsonb then
    update pricing_providers p
       set held_count = (v_kept -> p.provider ->> 'count')::integer,
           held_changes = v_kept -> p.provider -> 'changes'
     where v_kept ? p.provider;
  end if;
  return v_result;
end;
$$;

revoke execute on function
  public.pricing_commit_provider(bigint, text, jsonb, text[], text, jsonb, text),
  public.pricing_finish_run(bigint, text, jsonb, text)
  from public, anon, authenticated;
grant execute on function
  public.pricing_commit_provider(bigint, text, jsonb, text[], text, jsonb, text),
  public.pricing_finish_run(bigint, text, jsonb, text)
  to service_role;
