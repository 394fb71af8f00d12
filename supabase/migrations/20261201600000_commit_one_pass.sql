-- pricing_commit_provider in fewer passes over a provider's rows (issue 15, point 2). Measured on
-- the benchmark's embedded Postgres 17, 8,333 new rows of one provider, quiet machine:
--  * the staged chunks were aggregated into one jsonb array (jsonb_agg) and concatenated with the
--    inline rows, only to be split into rows again: they now go from each chunk straight into the
--    incoming table;
--  * history, the update and the insert each joined the incoming rows with model_pricing and
--    compared them: now one join decides what differs (a materialized CTE) and all three writes
--    read it, in one statement (they see the same snapshot, so history still records the prices
--    as they were before the update);
--  * the incoming table is kept for the session (emptied at each commit) instead of created and
--    dropped in every call, which made Postgres plan every statement again;
--  * pricing_prices_json built each history document with jsonb_build_object over 11 key/value
--    pairs (32 ms per 8,333 rows); to_jsonb of a composite whose field names are the keys builds
--    the same document (jsonb keeps no key order) in 23 ms, and stays an inlinable expression.
-- What is written, counted and returned is unchanged; tests/db cover each case.

-- The history document of a row's prices: its field names are the document's keys.
create type public.pricing_prices_doc as (
  state text,
  input_price_per_1m_tokens text,
  output_price_per_1m_tokens text,
  cache_read_price_per_1m_tokens text,
  cache_write_price_per_1m_tokens text,
  request_price text,
  image_price text,
  extra_prices jsonb,
  pricing_tiers jsonb,
  context_length integer,
  alias_of text
);

create or replace function public.pricing_prices_json(p public.pricing_prices, p_context_length integer, p_alias_of text)
returns jsonb
language sql
stable
as $$
  select pg_catalog.to_jsonb(row(
    p.state,
    pg_catalog.trim_scale(p.input)::text,
    pg_catalog.trim_scale(p.output)::text,
    pg_catalog.trim_scale(p.cache_read)::text,
    pg_catalog.trim_scale(p.cache_write)::text,
    pg_catalog.trim_scale(p.request)::text,
    pg_catalog.trim_scale(p.image)::text,
    p.extra,
    p.tiers,
    p_context_length,
    p_alias_of)::public.pricing_prices_doc);
$$;

-- Applies one provider's changes atomically, as before: the staged chunks of this run plus p_rows
-- are written (only rows that really differ), history is appended, models in p_missing are marked
-- 'missing' (never deleted), and the provider row is updated. Any error leaves the provider
-- exactly as it was.
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
  v_held_changes jsonb;
  v_held_count integer;
  v_incoming integer := 0;
  v_added integer := 0;
  v_changed integer := 0;
  v_restored integer := 0;
  v_missing integer := 0;
  v_updated integer := 0;
  v_inserted integer := 0;
  v_now timestamptz := clock_timestamp();
begin
  perform public.pricing_assert_lease(p_run_id);

  if p_rows is not null and pg_catalog.jsonb_typeof(p_rows) <> 'array' then
    raise exception 'rows must be a JSON array' using errcode = '22023';
  end if;
  if pg_catalog.jsonb_typeof(p_held) = 'object' then
    v_held_changes := coalesce(p_held -> 'changes', '[]'::jsonb);
    v_held_count := coalesce((p_held ->> 'count')::integer, pg_catalog.jsonb_array_length(v_held_changes));
  else
    v_held_changes := coalesce(p_held, '[]'::jsonb);
    v_held_count := pg_catalog.jsonb_array_length(v_held_changes);
  end if;

  -- Kept for the session, emptied at each commit: dropped and created again in every call (as
  -- before), it made Postgres plan every statement below again in every call (a 60-row commit
  -- 5.5 ms, 3.5 ms with the table kept). A migration that changes its columns must give it a new
  -- name, since a pooled session may still hold this one.
  if pg_catalog.to_regclass('pg_temp.pricing_incoming') is null then
    create temp table pg_temp.pricing_incoming (
      model_id text primary key,
      prices public.pricing_prices not null,
      context_length integer,
      alias_of text
    ) on commit delete rows;
  end if;
  -- Empty unless a caller applies twice in one transaction; a delete, not a truncate, which would
  -- make Postgres plan the statements again.
  delete from pg_temp.pricing_incoming;
  -- Every staged chunk and the inline rows, each array read once; a model listed twice is a
  -- unique violation here, before anything is written.
  insert into pg_temp.pricing_incoming (model_id, prices, context_length, alias_of)
  select r.model_id,
         row(r.state, r.input, r.output, r.cache_read, r.cache_write, r.request, r.image,
             coalesce(r.extra, '{}'::jsonb), coalesce(r.tiers, '[]'::jsonb))::public.pricing_prices,
         r.context_length, r.alias_of
    from (select s.rows from public.pricing_apply_stage s
           where s.run_id = p_run_id and s.provider = p_provider
          union all
          select p_rows where p_rows is not null) c,
         pg_catalog.jsonb_to_recordset(c.rows) as r(
           model_id text, state text, input numeric, output numeric, cache_read numeric,
           cache_write numeric, request numeric, image numeric, extra jsonb, tiers jsonb,
           context_length integer, alias_of text);
  get diagnostics v_incoming = row_count;

  if v_incoming > 0 then
    if exists (select 1 from pg_temp.pricing_incoming i where (i.prices).state is null) then
      raise exception 'null value in column "state": every row needs a state' using errcode = '23502';
    end if;

    -- One join says what differs; history (old prices, read before the update in the same
    -- snapshot), the update and the insert all write from it. Only real differences count.
    with diff as materialized (
      select i.model_id, i.prices, i.context_length, i.alias_of,
             m.model_id is not null as stored,
             case when m.model_id is null then 'added' when m.state = 'missing' then 'restored'
                  else 'changed' end as kind,
             m.state as old_state,
             m.input_price_per_1m_tokens as old_input,
             m.output_price_per_1m_tokens as old_output,
             case when m.model_id is not null
                  then public.pricing_prices_json(public.pricing_prices_of(m), m.context_length, m.alias_of)
             end as old_prices,
             -- A change of context length or alias alone is not a price change.
             m.model_id is null or public.pricing_prices_of(m) is distinct from i.prices as price_changed
        from pg_temp.pricing_incoming i
        left join public.model_pricing m on m.provider = p_provider and m.model_id = i.model_id
       where m.model_id is null
          or (public.pricing_prices_of(m), m.context_length, m.alias_of)
             is distinct from (i.prices, i.context_length, i.alias_of)
    ),
    history as (
      insert into public.model_pricing_history (
        run_id, provider, model_id, kind, old_state, new_state,
        old_input_price_per_1m_tokens, new_input_price_per_1m_tokens,
        old_output_price_per_1m_tokens, new_output_price_per_1m_tokens,
        old_prices, new_prices, effective_at)
      select p_run_id, p_provider, d.model_id, d.kind, d.old_state, (d.prices).state,
             d.old_input, (d.prices).input, d.old_output, (d.prices).output,
             d.old_prices, public.pricing_prices_json(d.prices, d.context_length, d.alias_of), v_now
        from diff d
      returning kind
    ),
    updated as (
      -- The lease row is locked (pricing_assert_lease), so nobody else writes these rows meanwhile.
      update public.model_pricing m
         set state = (d.prices).state,
             input_price_per_1m_tokens = (d.prices).input,
             output_price_per_1m_tokens = (d.prices).output,
             cache_read_price_per_1m_tokens = (d.prices).cache_read,
             cache_write_price_per_1m_tokens = (d.prices).cache_write,
             request_price = (d.prices).request,
             image_price = (d.prices).image,
             extra_prices = (d.prices).extra,
             pricing_tiers = (d.prices).tiers,
             context_length = d.context_length,
             alias_of = d.alias_of,
             source = p_source,
             missing_since = null,
             updated_at = case when d.price_changed then v_now else m.updated_at end
        from diff d
       where d.stored and m.provider = p_provider and m.model_id = d.model_id
      returning 1
    ),
    inserted as (
      insert into public.model_pricing (
        provider, model_id, state, input_price_per_1m_tokens, output_price_per_1m_tokens,
        cache_read_price_per_1m_tokens, cache_write_price_per_1m_tokens, request_price, image_price,
        extra_prices, pricing_tiers, context_length, alias_of, source, first_seen_at, missing_since,
        updated_at)
      select p_provider, d.model_id, (d.prices).state, (d.prices).input, (d.prices).output,
             (d.prices).cache_read, (d.prices).cache_write, (d.prices).request, (d.prices).image,
             (d.prices).extra, (d.prices).tiers, d.context_length, d.alias_of, p_source, v_now, null,
             v_now
        from diff d
       where not d.stored
      returning 1
    )
    select (select count(*) from history h where h.kind = 'added'),
           (select count(*) from history h where h.kind = 'changed'),
           (select count(*) from history h where h.kind = 'restored'),
           (select count(*) from updated),
           (select count(*) from inserted)
      into v_added, v_changed, v_restored, v_updated, v_inserted;
  end if;

  if coalesce(pg_catalog.cardinality(p_missing), 0) > 0 then
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
             || pg_catalog.jsonb_build_object('state', 'missing'),
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
    coalesce((select pg_catalog.jsonb_object_agg(c.state, c.n) from
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

  return pg_catalog.jsonb_build_object(
    'added', v_added, 'changed', v_changed, 'restored', v_restored, 'missing', v_missing,
    'rows_written', v_updated + v_inserted + v_missing);
end;
$$;

