-- pricing_read_source_digests in columns (issue 29): every stored model of a provider as a sync
-- compares its items with it, as `{ids, states, digests}`: the model ids as one JSON array, and the
-- states and digests as space-separated words in the same order ('-' for no digest). One JSON array
-- per row cost ~14 ms for 8,300 models, in Postgres and in the client; this ~8 ms. The aggregates
-- of one query read the same rows in the same order, so position i of each is one model. A digest
-- is written by a sync (base64, never a space); one holding a space or empty is read as no digest.
-- pricing_read_source_digests stays for a build that still calls it.
create or replace function public.pricing_read_source_index(p_provider text)
returns json language sql stable security definer set search_path = ''
as $$
  select pg_catalog.json_build_object(
    'ids', coalesce(pg_catalog.json_agg(m.model_id), '[]'::pg_catalog.json),
    'states', coalesce(pg_catalog.string_agg(m.state, ' '), ''),
    'digests', coalesce(pg_catalog.string_agg(
      case when p.model_id is null and pg_catalog.strpos(m.source_digest, ' ') = 0 and m.source_digest <> '' then m.source_digest
           else '-' end, ' '), ''))
  from public.model_pricing m
  left join public.pricing_pins p on p.provider = m.provider and p.model_id = m.model_id
  where m.provider = p_provider;
$$;

revoke execute on function public.pricing_read_source_index from public, anon, authenticated;
grant execute on function public.pricing_read_source_index to service_role;
