-- pricing_read_models builds and returns json, not jsonb (as pricing_read_litellm_map does since
-- 20261201500000): a provider's stored models were aggregated with jsonb_agg, which builds a binary
-- tree of every row only for it to be printed as text again; json_agg appends text. Measured on the
-- benchmark's embedded Postgres 17, 8,333 models of one provider, five rounds: 38-40 ms as jsonb,
-- 20-23 ms as json. Same rows, same order, same values; node-postgres, PGlite and PostgREST read
-- json as they read jsonb. The return type changes, so the function is dropped and created again.
drop function public.pricing_read_models(text);

-- A provider's stored models in a compact form: one array per model,
-- [model_id, state, input, output, cache_read, cache_write, request, image, extra_prices,
--  pricing_tiers, context_length, alias_of], prices as decimal strings.
create function public.pricing_read_models(p_provider text)
returns json
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(pg_catalog.json_agg(pg_catalog.json_build_array(
    m.model_id, m.state,
    pg_catalog.trim_scale(m.input_price_per_1m_tokens)::text,
    pg_catalog.trim_scale(m.output_price_per_1m_tokens)::text,
    pg_catalog.trim_scale(m.cache_read_price_per_1m_tokens)::text,
    pg_catalog.trim_scale(m.cache_write_price_per_1m_tokens)::text,
    pg_catalog.trim_scale(m.request_price)::text,
    pg_catalog.trim_scale(m.image_price)::text,
    m.extra_prices, m.pricing_tiers, m.context_length, m.alias_of
  ) order by m.model_id), '[]'::pg_catalog.json)
  from public.model_pricing m
  where m.provider = p_provider;
$$;

revoke execute on function public.pricing_read_models(text) from public, anon, authenticated;
grant execute on function public.pricing_read_models(text) to service_role;
