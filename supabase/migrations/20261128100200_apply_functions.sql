-- Applying a provider's prices: staging, commit, and the one place that says what a row's prices
-- are. Restated whole (replacing the 20261127130000 wrapper and the renamed body it called), every
-- object schema-qualified, the temp table named pg_temp.pricing_incoming, search_path empty.
--
-- Adding a price column: the column in model_pricing (a new migration), a field of
-- public.pricing_prices, and the places that map between them: pricing_prices_of,
-- pricing_prices_json, the incoming column list and the insert/update lists in
-- pricing_commit_provider, and pricing_read_models.

-- A row's prices (everything whose change is a price change). Compared as one value: a change of
-- context length or alias alone is a change of the row but not of its prices.
create type public.pricing_prices as (
  state text,
  input numeric,
  output numeric,
  cache_read numeric,
  cache_write numeric,
  request numeric,
  image numeric,
  extra jsonb,
  tiers jsonb
);

-- The prices of a stored row. No SET clause and no security definer, so that the planner inlines
-- it (it runs once per model of a catalog); every name in it is qualified.
create function public.pricing_prices_of(m public.model_pricing)
returns public.pricing_prices
language sql
immutable
as $$
  select row(m.state, m.input_price_per_1m_tokens, m.output_price_per_1m_tokens,
             m.cache_read_price_per_1m_tokens, m.cache_write_price_per_1m_tokens, m.request_price,
             m.image_price, m.extra_prices, m.pricing_tiers)::public.pricing_prices;
$$;

-- Prices as one jsonb document, for history (old_prices, new_prices). Inlined like the above.
drop function public.pricing_prices_json(public.model_pricing);
create function public.pricing_prices_json(p public.pricing_prices, p_context_length integer, p_alias_of text)
returns jsonb
language sql
stable
as $$
  select pg_catalog.jsonb_build_object(
    'state', p.state,
    'input_price_per_1m_tokens', pg_catalog.trim_scale(p.input)::text,
    'output_price_per_1m_tokens', pg_catalog.trim_scale(p.output)::text,
    'cache_read_price_per_1m_tokens', pg_catalog.trim_scale(p.cache_read)::text,
    'cache_write_price_per_1m_tokens', pg_catalog.trim_scale(p.cache_write)::text,
    'request_price', pg_catalog.trim_scale(p.request)::text,
    'image_price', pg_catalog.trim_scale(p.image)::text,
    'extra_prices', p.extra,
    'pricing_tiers', p.tiers,
    'context_length', p_context_length,
    'alias_of', p_alias_of
  );
$$;

-- Stages one chunk of a large apply. Nothing is applied until pricing_commit_provider.
create or replace function public.pricing_stage_chunk(p_run_id bigint, p_provider text, p_chunk_no integer, p_rows jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform public.pricing_assert_lease(p_run_id);
  if jsonb_typeof(p_rows) is distinct from 'array' then
    raise exception 'rows must be a JSON array' using errcode = '22023';
  end if;
  insert into public.pricing_apply_stage (run_id, provider, chunk_no, rows)
  values (p_run_id, p_provider, p_chunk_no, p_rows)
  on conflict (run_id, provider, chunk_no) do update set rows = excluded.rows;
  return jsonb_build_object('staged', jsonb_array_length(p_rows));
end;
$$;

-- Applies one provider's changes atomically: the staged chunks of this run plus p_rows are
-- written (only rows that really differ), history is appended, models in p_missing are marked
-- 'missing' (never deleted), and the provider row is updated. Any error leaves the provider
-- exactly as it was. Rows: objects with model_id, state, input, output, cache_read, cache_write,
-- request, image (decimal strings or null), extra, tiers, context_length, alias_of.
-- p_held: a JSON array of held changes, or {count, changes} when the engine shortened the list
-- (held_count is then the true count).
create or replace function public.pricing_commit_provider(
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
set search_path = ''
as $$
declare
  v_rows jsonb;
  v_held_changes jsonb;
  v_held_count integer;
  v_added integer := 0;
  v_changed integer := 0;
  v_restored integer := 0;
  v_missing integer := 0;
  v_updated integer := 0;
  v_inserted integer := 0;
  v_now timestamptz := clock_timestamp();
begin
  perform public.pricing_assert_lease(p_run_id);

  if jsonb_typeof(p_held) = 'object' then
    v_held_changes := coalesce(p_held -> 'changes', '[]'::jsonb);
    v_held_count := coalesce((p_held ->> 'count')::integer, jsonb_array_length(v_held_changes));
  else
    v_held_changes := coalesce(p_held, '[]'::jsonb);
    v_held_count := jsonb_array_length(v_held_changes);
  end if;

  select coalesce(jsonb_agg(e.value order by s.chunk_no, e.ordinality), '[]'::jsonb)
    into v_rows
    from public.pricing_apply_stage s, jsonb_array_elements(s.rows) with ordinality as e(value, ordinality)
   where s.run_id = p_run_id and s.provider = p_provider;
  v_rows := v_rows || coalesce(p_rows, '[]'::jsonb);

  if jsonb_array_length(v_rows) > 0 then
    create temp table if not exists pg_temp.pricing_incoming (
      model_id text primary key,
      prices public.pricing_prices not null,
      context_length integer,
      alias_of text
    ) on commit drop;
    truncate pg_temp.pricing_incoming;
    insert into pg_temp.pricing_incoming (model_id, prices, context_length, alias_of)
    select r.model_id,
           row(r.state, r.input, r.output, r.cache_read, r.cache_write, r.request, r.image,
               coalesce(r.extra, '{}'::jsonb), coalesce(r.tiers, '[]'::jsonb))::public.pricing_prices,
           r.context_length, r.alias_of
      from jsonb_to_recordset(v_rows) as r(
        model_id text, state text, input numeric, output numeric, cache_read numeric,
        cache_write numeric, request numeric, image numeric, extra jsonb, tiers jsonb,
        context_length integer, alias_of text);
    if exists (select 1 from pg_temp.pricing_incoming i where (i.prices).state is null) then
      raise exception 'null value in column "state": every row needs a state' using errcode = '23502';
    end if;

    -- History first, while the old prices are still in place. Only real differences count.
    with diff as (
      insert into public.model_pricing_history (
        run_id, provider, model_id, kind, old_state, new_state,
        old_input_price_per_1m_tokens, new_input_price_per_1m_tokens,
        old_output_price_per_1m_tokens, new_output_price_per_1m_tokens,
        old_prices, new_prices, effective_at)
      select p_run_id, p_provider, i.model_id,
             case when m.model_id is null then 'added' when m.state = 'missing' then 'restored' else 'changed' end,
             m.state, (i.prices).state, m.input_price_per_1m_tokens, (i.prices).input,
             m.output_price_per_1m_tokens, (i.prices).output,
             case when m.model_id is null then null
                  else public.pricing_prices_json(public.pricing_prices_of(m), m.context_length, m.alias_of) end,
             public.pricing_prices_json(i.prices, i.context_length, i.alias_of),
             v_now
        from pg_temp.pricing_incoming i
        left join public.model_pricing m on m.provider = p_provider and m.model_id = i.model_id
       where m.model_id is null
          or (public.pricing_prices_of(m), m.context_length, m.alias_of)
             is distinct from (i.prices, i.context_length, i.alias_of)
      returning kind
    )
    select count(*) filter (where kind = 'added'),
           count(*) filter (where kind = 'changed'),
           count(*) filter (where kind = 'restored')
      into v_added, v_changed, v_restored
      from diff;

    -- The lease row is locked (pricing_assert_lease), so nobody else writes these rows meanwhile.
    update public.model_pricing m
       set state = (i.prices).state,
           input_price_per_1m_tokens = (i.prices).input,
           output_price_per_1m_tokens = (i.prices).output,
           cache_read_price_per_1m_tokens = (i.prices).cache_read,
           cache_write_price_per_1m_tokens = (i.prices).cache_write,
           request_price = (i.prices).request,
           image_price = (i.prices).image,
           extra_prices = (i.prices).extra,
           pricing_tiers = (i.prices).tiers,
           context_length = i.context_length,
           alias_of = i.alias_of,
           source = p_source,
           missing_since = null,
           -- A change of context length or alias alone is not a price change.
           updated_at = case when public.pricing_prices_of(m) is distinct from i.prices
                             then v_now else m.updated_at end
      from pg_temp.pricing_incoming i
     where m.provider = p_provider and m.model_id = i.model_id
       and (public.pricing_prices_of(m), m.context_length, m.alias_of)
           is distinct from (i.prices, i.context_length, i.alias_of);
    get diagnostics v_updated = row_count;

    insert into public.model_pricing (
      provider, model_id, state, input_price_per_1m_tokens, output_price_per_1m_tokens,
      cache_read_price_per_1m_tokens, cache_write_price_per_1m_tokens, request_price, image_price,
      extra_prices, pricing_tiers, context_length, alias_of, source, first_seen_at, missing_since, updated_at)
    select p_provider, i.model_id, (i.prices).state, (i.prices).input, (i.prices).output,
           (i.prices).cache_read, (i.prices).cache_write, (i.prices).request, (i.prices).image,
           (i.prices).extra, (i.prices).tiers, i.context_length, i.alias_of, p_source, v_now, null, v_now
      from pg_temp.pricing_incoming i
     where not exists (select 1 from public.model_pricing m
                        where m.provider = p_provider and m.model_id = i.model_id);
    get diagnostics v_inserted = row_count;
  end if;

  if coalesce(cardinality(p_missing), 0) > 0 then
    insert into public.model_pricing_history (
      run_id, provider, model_id, kind, old_state, new_state,
      old_input_price_per_1m_tokens, new_input_price_per_1m_tokens,
      old_output_price_per_1m_tokens, new_output_price_per_1m_tokens,
      old_prices, new_prices, effective_at)
    select p_run_id, p_provider, m.model_id, 'missing', m.state, 'missing',
           m.input_price_per_1m_tokens, m.input_price_per_1m_tokens,
           m.output_price_per_1m_tokens, m.output_price_per_1m_tokens,
           public.pricing_prices_json(public.pricing_prices_of(m), m.context_length, m.alias_of),
           public.pricing_prices_json(public.pricing_prices_of(m), m.context_length, m.alias_of)
             || jsonb_build_object('state', 'missing'),
           v_now
      from public.model_pricing m
     where m.provider = p_provider and m.model_id = any(p_missing) and m.state <> 'missing';

    -- Prices stay as they were: a gateway may still need them to bill requests in flight.
    update public.model_pricing
       set state = 'missing', missing_since = v_now, updated_at = v_now
     where provider = p_provider and model_id = any(p_missing) and state <> 'missing';
    get diagnostics v_missing = row_count;
  end if;

  delete from public.pricing_apply_stage where run_id = p_run_id and provider = p_provider;

  insert into public.pricing_providers as p (
    provider, last_attempt_at, last_success_at, last_run_id, catalog_hash, last_error_reason,
    last_error, models_by_state, held_count, held_changes, updated_at)
  values (
    p_provider, v_now, v_now, p_run_id, p_catalog_hash, null, null,
    coalesce((select jsonb_object_agg(c.state, c.n) from
               (select m.state, count(*) as n from public.model_pricing m
                 where m.provider = p_provider group by m.state) c),
             '{}'::jsonb),
    v_held_count, v_held_changes, v_now)
  on conflict (provider) do update set
    last_attempt_at = excluded.last_attempt_at,
    last_success_at = excluded.last_success_at,
    last_run_id = excluded.last_run_id,
    catalog_hash = excluded.catalog_hash,
    last_error_reason = null,
    last_error = null,
    models_by_state = case when v_updated + v_inserted + v_missing > 0 or p.models_by_state = '{}'::jsonb
                           then excluded.models_by_state else p.models_by_state end,
    held_count = excluded.held_count,
    held_changes = excluded.held_changes,
    updated_at = excluded.updated_at;

  return jsonb_build_object(
    'added', v_added, 'changed', v_changed, 'restored', v_restored, 'missing', v_missing,
    'rows_written', v_updated + v_inserted + v_missing);
end;
$$;

-- The body the 20261127130000 wrapper called; pricing_commit_provider above is whole again.
drop function public.pricing_commit_provider_rows(bigint, text, jsonb, text[], text, jsonb, text);

revoke execute on function
  public.pricing_prices_of(public.model_pricing),
  public.pricing_prices_json(public.pricing_prices, integer, text),
  public.pricing_stage_chunk(bigint, text, integer, jsonb),
  public.pricing_commit_provider(bigint, text, jsonb, text[], text, jsonb, text)
  from public, anon, authenticated;
grant execute on function
  public.pricing_stage_chunk(bigint, text, integer, jsonb),
  public.pricing_commit_provider(bigint, text, jsonb, text[], text, jsonb, text)
  to service_role;
