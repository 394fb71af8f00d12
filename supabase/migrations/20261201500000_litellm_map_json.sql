-- pricing_read_litellm_map builds and returns json, not jsonb: the LiteLLM map's 25,000+ price
-- rows were aggregated with jsonb_agg, which builds a binary tree of every row only for it to be
-- printed as text again. json_agg appends text. Measured on the same database, back to back
-- (25,000 prices, 2,600 LiteLLM entries, 2 shared cores at load 4.7): 206 ms per call as jsonb,
-- 122 ms as json. The result is the same JSON: the same keys and values (the entries are still a
-- jsonb aggregate, so their key order is unchanged), read the same by node-postgres, PGlite and
-- PostgREST. The return type changes, so the function is dropped and created again.
drop function public.pricing_read_litellm_map(bigint);

-- The LiteLLM cost map's ingredients in one round trip: the stored LiteLLM entries of models still
-- listed (not 'missing'), and the active prices of every provider, compact:
-- [provider, model_id, input, output, cache_read, cache_write, request, image, context_length].
-- variable, unpriced and missing models carry no usable price and are left out.
create function public.pricing_read_litellm_map(p_known_version bigint)
returns json
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_version bigint;
begin
  select version into v_version from public.pricing_price_version where id = 1;
  if p_known_version is not null and p_known_version = v_version then
    return pg_catalog.json_build_object('version', v_version, 'not_modified', true);
  end if;
  return pg_catalog.json_build_object(
    'version', v_version,
    'entries', (
      select coalesce(pg_catalog.jsonb_object_agg(e.model_id, e.entry), '{}'::pg_catalog.jsonb)
        from public.pricing_litellm_entries e
        join public.model_pricing m on m.provider = 'litellm' and m.model_id = e.model_id
       where m.state <> 'missing'),
    'prices', (
      select coalesce(pg_catalog.json_agg(pg_catalog.json_build_array(
               m.provider, m.model_id,
               pg_catalog.trim_scale(m.input_price_per_1m_tokens)::text,
               pg_catalog.trim_scale(m.output_price_per_1m_tokens)::text,
               pg_catalog.trim_scale(m.cache_read_price_per_1m_tokens)::text,
               pg_catalog.trim_scale(m.cache_write_price_per_1m_tokens)::text,
               pg_catalog.trim_scale(m.request_price)::text,
               pg_catalog.trim_scale(m.image_price)::text,
               m.context_length) order by m.provider, m.model_id), '[]'::pg_catalog.json)
        from public.model_pricing m
       where m.state = 'active'));
end;
$$;

-- EXECUTE for the server key only, as for every other function.
revoke execute on function public.pricing_read_litellm_map(bigint) from public, anon, authenticated;
grant execute on function public.pricing_read_litellm_map(bigint) to service_role;
