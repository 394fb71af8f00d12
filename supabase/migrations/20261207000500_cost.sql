-- POST /prices/cost: the prices of many (provider, model, instant) keys in one call, one index probe
-- each. p_keys is a JSON array of {provider, model_id, at}; each answer carries `n`, the key's
-- position (from 1), and keys with no price are left out.
-- Without `at`: the model's row as stored now (what GET /prices serves), `effective_at` its last
-- change and `pinned` whether a pin is stored. With `at`: the latest history row effective at or
-- before it, that is the price as we had recorded it then (not when the provider announced it);
-- `pinned` when that row was written by a pin that no unpin had removed by `at` and that, if it is
-- still stored, had not expired by `at`.
create or replace function public.pricing_read_cost_prices(p_keys jsonb)
returns jsonb language sql stable security definer set search_path = ''
as $$
  with keys as (
    select k.n, k.key ->> 'provider' as provider, k.key ->> 'model_id' as model_id,
           (k.key ->> 'at')::timestamptz as at
      from pg_catalog.jsonb_array_elements(p_keys) with ordinality as k(key, n)
  ),
  found as (
    select keys.n,
           public.pricing_price_view(public.pricing_prices_json(public.pricing_prices_of(m), m.context_length,
             m.alias_of))
           || pg_catalog.jsonb_build_object('effective_at', m.updated_at,
                'pinned', exists (select 1 from public.pricing_pins p
                                   where p.provider = m.provider and p.model_id = m.model_id)) as price
      from keys join public.model_pricing m on m.provider = keys.provider and m.model_id = keys.model_id
     where keys.at is null
    union all
    select keys.n,
           public.pricing_price_view(h.new_prices)
           || pg_catalog.jsonb_build_object('effective_at', h.effective_at,
                'pinned', h.kind = 'pinned'
                  and not exists (
                    select 1 from public.pricing_sync_runs r
                     where r.trigger = 'pin' and r.started_at > h.effective_at and r.started_at <= keys.at
                       and r.results ->> 'action' = 'unpin'
                       and r.results -> 'providers' -> keys.provider -> 'unpinned' ? keys.model_id)
                  and not exists (
                    select 1 from public.pricing_pins p
                     where p.provider = keys.provider and p.model_id = keys.model_id and p.run_id = h.run_id
                       and p.expires_at <= keys.at)) as price
      from keys
      cross join lateral (
        select x.new_prices, x.effective_at, x.kind, x.run_id
          from public.model_pricing_history x
         where x.provider = keys.provider and x.model_id = keys.model_id and x.effective_at <= keys.at
         order by x.effective_at desc, x.id desc
         limit 1) h
     where keys.at is not null
  )
  select pg_catalog.jsonb_build_object(
    'now', pg_catalog.clock_timestamp(),
    'prices', coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('n', found.n) || found.price
                                            order by found.n), '[]'::jsonb))
    from found;
$$;

-- EXECUTE for the server key only: revoked from the roles Supabase grants it to by default.
revoke execute on function public.pricing_read_cost_prices from public, anon, authenticated;
grant execute on function public.pricing_read_cost_prices to service_role;
