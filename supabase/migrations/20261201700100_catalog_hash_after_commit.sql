-- Stores a provider's catalog hash after its commit (issue 15, the 250,000-model run). The LiteLLM
-- catalog's hash is ~0.8 s of CPU at that scale; when no shortcut can use it (a first sync, a
-- forced run, a catalog that changed), the sync computes it while Postgres commits and stores it
-- here after, instead of holding the event loop before the commit. Until then the provider row has
-- no hash, which only means the next run diffs in full: a failure in between is safe.
create function public.pricing_set_catalog_hash(p_run_id bigint, p_provider text, p_catalog_hash text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_updated integer;
begin
  perform public.pricing_assert_lease(p_run_id);
  -- Only the row this run's commit wrote.
  update public.pricing_providers p
     set catalog_hash = p_catalog_hash
   where p.provider = p_provider and p.last_run_id = p_run_id;
  get diagnostics v_updated = row_count;
  return pg_catalog.jsonb_build_object('updated', v_updated);
end;
$$;

-- EXECUTE for the server key only, as for every other function.
revoke execute on function public.pricing_set_catalog_hash(bigint, text, text) from public, anon, authenticated;
grant execute on function public.pricing_set_catalog_hash(bigint, text, text) to service_role;
