-- Reads: health, a provider's stored models, providers, status, GET /prices, the LiteLLM map,
-- prices at a time.

-- A cheap round trip for health checks.
create or replace function public.pricing_ping()
returns jsonb language sql stable security definer set search_path = ''
as $$
  select jsonb_build_object('ok', true, 'now', clock_timestamp());
$$;

-- Every provider row, small: drives the unchanged-catalog shortcut.
create or replace function public.pricing_read_providers()
returns jsonb language sql stable security definer set search_path = ''
as $$
  select coalesce(jsonb_agg(to_jsonb(p) order by p.provider), '[]'::jsonb) from public.pricing_providers p;
$$;

-- A provider's stored models in a compact form: one array per model,
-- [model_id, state, input, output, cache_read, cache_write, request, image, extra_prices,
--  pricing_tiers, context_length, alias_of], prices as decimal strings.
create or replace function public.pricing_read_models(p_provider text)
returns json language sql stable security definer set search_path = ''
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

-- Status for the admin endpoint: the lease and its run, recent runs, the last cron run, providers.
create or replace function public.pricing_read_status(p_recent integer)
returns jsonb language sql stable security definer set search_path = ''
as $$
  select jsonb_build_object(
    'now', clock_timestamp(),
    'in_progress', (
      select jsonb_build_object('run_id', r.id, 'trigger', r.trigger, 'triggered_by', r.triggered_by,
                                'started_at', r.started_at, 'expires_at', l.expires_at, 'dry_run', r.dry_run)
        from public.pricing_sync_lease l join public.pricing_sync_runs r on r.id = l.run_id
       where l.id = 1 and l.expires_at > clock_timestamp()),
    'recent_runs', coalesce((
      select jsonb_agg(to_jsonb(r) order by r.id desc)
        from (select * from public.pricing_sync_runs order by id desc
               limit greatest(coalesce(p_recent, 10), 0)) r), '[]'::jsonb),
    'last_cron_run', (
      select jsonb_build_object('id', r.id, 'status', r.status, 'started_at', r.started_at,
                                'finished_at', r.finished_at)
        from public.pricing_sync_runs r where r.trigger = 'cron' order by r.started_at desc, r.id desc limit 1),
    'providers', (select coalesce(jsonb_agg(to_jsonb(p) order by p.provider), '[]'::jsonb)
                    from public.pricing_providers p)
  );
$$;

-- GET /prices: one page of stored prices. `pinned` says whether the operator pinned the price (the
-- stored price is the pin; pricing_pins has the version triggers, so a pin or unpin changes the
-- ETag).
create or replace function public.pricing_read_prices(
  p_providers text[],
  p_model_id text,
  p_states text[],
  p_updated_since timestamptz,
  p_after_provider text,
  p_after_model_id text,
  p_limit integer,
  p_known_version bigint
)
returns jsonb language plpgsql stable security definer set search_path = ''
as $$
declare
  v_version bigint;
  v_limit integer := least(greatest(coalesce(p_limit, 1000), 1), 10000);
  v_rows jsonb;
  v_count integer;
begin
  select version into v_version from public.pricing_price_version where id = 1;
  if p_known_version is not null and p_known_version = v_version then
    return jsonb_build_object('version', v_version, 'not_modified', true);
  end if;
  select coalesce(jsonb_agg(page.row order by page.provider, page.model_id), '[]'::jsonb), count(*)
    into v_rows, v_count
    from (
      select m.provider, m.model_id, jsonb_build_object(
               'provider', m.provider,
               'model_id', m.model_id,
               'state', m.state,
               'input_price_per_1m_tokens', trim_scale(m.input_price_per_1m_tokens)::text,
               'output_price_per_1m_tokens', trim_scale(m.output_price_per_1m_tokens)::text,
               'cache_read_price_per_1m_tokens', trim_scale(m.cache_read_price_per_1m_tokens)::text,
               'cache_write_price_per_1m_tokens', trim_scale(m.cache_write_price_per_1m_tokens)::text,
               'request_price', trim_scale(m.request_price)::text,
               'image_price', trim_scale(m.image_price)::text,
               'extra', m.extra_prices,
               'tiers', m.pricing_tiers,
               'context_length', m.context_length,
               'alias_of', m.alias_of,
               'effective_at', m.updated_at,
               'pinned', exists (select 1 from public.pricing_pins p
                                  where p.provider = m.provider and p.model_id = m.model_id)) as row
        from public.model_pricing m
       where (p_providers is null or m.provider = any(p_providers))
         and (p_model_id is null or m.model_id = p_model_id)
         and (p_states is null or m.state = any(p_states))
         and (p_updated_since is null or m.updated_at >= p_updated_since)
         and (p_after_provider is null or (m.provider, m.model_id) > (p_after_provider, p_after_model_id))
       order by m.provider, m.model_id
       limit v_limit + 1
    ) page;
  -- One row past the page says whether there is a next page; it is not returned.
  if v_count > v_limit then
    v_rows := v_rows - v_limit;
    return jsonb_build_object('version', v_version, 'prices', v_rows,
      'next', jsonb_build_array(v_rows -> (v_limit - 1) ->> 'provider', v_rows -> (v_limit - 1) ->> 'model_id'));
  end if;
  return jsonb_build_object('version', v_version, 'prices', v_rows, 'next', null);
end;
$$;

-- The LiteLLM cost map's ingredients in one round trip: the stored LiteLLM entries of models still
-- listed (not 'missing'), and the active prices of every provider, compact:
-- [provider, model_id, input, output, cache_read, cache_write, request, image, context_length,
-- extra_prices, pricing_tiers]. The map's cost keys of a model whose price is not its feed entry's
-- (held, rejected, pinned, rolled back) come from these alone, tiers included.
-- variable, unpriced and missing models carry no usable price and are left out.
create or replace function public.pricing_read_litellm_map(p_known_version bigint)
returns json language plpgsql stable security definer set search_path = ''
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
               m.context_length, m.extra_prices, m.pricing_tiers) order by m.provider, m.model_id), '[]'::pg_catalog.json)
        from public.model_pricing m
       where m.state = 'active'));
end;
$$;

-- GET /admin/pricing/prices: for each stored model (one page in (provider, model_id) order after
-- the cursor), its latest history row effective at or before p_at (now when null). A model with no
-- history row by then did not exist yet and is left out. One index probe per model.
create or replace function public.pricing_read_prices_at(
  p_providers text[],
  p_model_id text,
  p_at timestamptz,
  p_after_provider text,
  p_after_model_id text,
  p_limit integer
)
returns jsonb language plpgsql stable security definer set search_path = ''
as $$
declare
  v_at timestamptz := coalesce(p_at, clock_timestamp());
  v_limit integer := least(greatest(coalesce(p_limit, 1000), 1), 5000);
  v_rows jsonb;
  v_count integer;
begin
  select coalesce(jsonb_agg(page.item order by page.provider, page.model_id), '[]'::jsonb), count(*)
    into v_rows, v_count
    from (
      select m.provider, m.model_id,
             jsonb_build_object('provider', m.provider, 'model_id', m.model_id)
               || public.pricing_price_view(h.new_prices)
               || jsonb_build_object('effective_at', h.effective_at, 'run_id', h.run_id, 'kind', h.kind) as item
        from public.model_pricing m
        cross join lateral (
          select x.new_prices, x.effective_at, x.run_id, x.kind
            from public.model_pricing_history x
           where x.provider = m.provider and x.model_id = m.model_id and x.effective_at <= v_at
           order by x.effective_at desc, x.id desc
           limit 1) h
       where (p_providers is null or m.provider = any(p_providers))
         and (p_model_id is null or m.model_id = p_model_id)
         and (p_after_provider is null or (m.provider, m.model_id) > (p_after_provider, p_after_model_id))
       order by m.provider, m.model_id
       limit v_limit + 1
    ) page;
  if v_count > v_limit then
    v_rows := v_rows - v_limit;
    return jsonb_build_object('at', v_at, 'prices', v_rows,
      'next', jsonb_build_array(v_rows -> (v_limit - 1) ->> 'provider', v_rows -> (v_limit - 1) ->> 'model_id'));
  end if;
  return jsonb_build_object('at', v_at, 'prices', v_rows, 'next', null);
end;
$$;

-- One model's changes, newest first, before history id p_before_id.
create or replace function public.pricing_read_price_history(
  p_provider text,
  p_model_id text,
  p_before_id bigint,
  p_limit integer
)
returns jsonb language plpgsql stable security definer set search_path = ''
as $$
declare
  v_limit integer := least(greatest(coalesce(p_limit, 100), 1), 1000);
  v_rows jsonb;
  v_count integer;
begin
  select coalesce(jsonb_agg(page.item order by page.id desc), '[]'::jsonb), count(*) into v_rows, v_count
    from (
      select h.id, jsonb_build_object('id', h.id, 'provider', h.provider, 'model_id', h.model_id,
               'kind', h.kind, 'run_id', h.run_id, 'effective_at', h.effective_at,
               'old', public.pricing_price_view(h.old_prices), 'new', public.pricing_price_view(h.new_prices)) as item
        from public.model_pricing_history h
       where h.model_id = p_model_id
         and (p_provider is null or h.provider = p_provider)
         and (p_before_id is null or h.id < p_before_id)
       order by h.id desc
       limit v_limit + 1
    ) page;
  if v_count > v_limit then
    v_rows := v_rows - v_limit;
    return jsonb_build_object('history', v_rows, 'next_before_id', (v_rows -> (v_limit - 1) ->> 'id')::bigint);
  end if;
  return jsonb_build_object('history', v_rows, 'next_before_id', null);
end;
$$;

-- EXECUTE for the server key only: revoked from the roles Supabase grants it to by default.
revoke execute on function
  public.pricing_ping,
  public.pricing_read_providers,
  public.pricing_read_models,
  public.pricing_read_status,
  public.pricing_read_prices,
  public.pricing_read_litellm_map,
  public.pricing_read_prices_at,
  public.pricing_read_price_history
  from public, anon, authenticated;

grant execute on function
  public.pricing_ping,
  public.pricing_read_providers,
  public.pricing_read_models,
  public.pricing_read_status,
  public.pricing_read_prices,
  public.pricing_read_litellm_map,
  public.pricing_read_prices_at,
  public.pricing_read_price_history
  to service_role;
