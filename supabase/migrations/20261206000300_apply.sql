-- Applying a provider's catalog: staging chunks, the one commit per provider, the LiteLLM entries.

-- Stages one chunk of a large apply. Nothing is applied until pricing_commit_provider.
create or replace function public.pricing_stage_chunk(p_run_id bigint, p_provider text, p_chunk_no integer, p_rows jsonb)
returns jsonb language plpgsql security definer set search_path = ''
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

-- Applies one provider's changes atomically: the staged chunks of this run plus p_rows
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
returns jsonb language plpgsql security definer set search_path = ''
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

  -- Kept for the session and emptied at each commit, so that Postgres keeps its plans for the
  -- statements below (a table created per call is planned again per call). A migration that
  -- changes its columns must give it a new name, since a pooled session may still hold this one.
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

-- Stages one chunk of entries ({model_id: entry}) for the run holding the lease.
create or replace function public.pricing_stage_litellm_entries(p_run_id bigint, p_chunk_no integer, p_entries jsonb)
returns jsonb language plpgsql security definer set search_path = ''
as $$
declare
  v_holder bigint;
begin
  -- Checked, not locked (see above). A run that loses its lease meanwhile stages rows nobody reads.
  select l.run_id into v_holder from public.pricing_sync_lease l where l.id = 1;
  if v_holder is distinct from p_run_id then
    raise exception 'run % does not hold the sync lease (holder: %)', p_run_id, coalesce(v_holder::text, 'none')
      using errcode = '55P03';
  end if;
  if pg_catalog.jsonb_typeof(p_entries) is distinct from 'object' then
    raise exception 'entries must be a JSON object' using errcode = '22023';
  end if;
  -- Chunks of runs that staged and never committed (held, failed, killed).
  delete from public.pricing_litellm_entries_stage s where s.run_id <> p_run_id;
  insert into public.pricing_litellm_entries_stage (run_id, chunk_no, entries)
  values (p_run_id, p_chunk_no, p_entries)
  on conflict (run_id, chunk_no) do update set entries = excluded.entries;
  return pg_catalog.jsonb_build_object('staged', (select count(*) from pg_catalog.jsonb_object_keys(p_entries)));
end;
$$;

-- Commits the litellm provider as pricing_commit_provider does, then writes its entries: the
-- staged chunks of this run and p_entries, except those of p_held_models (a held model keeps its
-- previous entry). Only entries that differ are written; none is ever deleted: a model gone from
-- the map is 'missing' in model_pricing, and the export leaves it out. Returns the commit's counts
-- and `entries_written`. One transaction: a failure leaves the provider and its entries as they
-- were.
create or replace function public.pricing_commit_litellm(
  p_run_id bigint,
  p_rows jsonb,
  p_missing text[],
  p_catalog_hash text,
  p_held jsonb,
  p_source text,
  p_entries jsonb,
  p_held_models text[]
)
returns jsonb language plpgsql security definer set search_path = ''
as $$
declare
  v_result jsonb;
  v_written integer;
  v_now timestamptz := pg_catalog.clock_timestamp();
begin
  -- Asserts (and locks) the lease first.
  v_result := public.pricing_commit_provider(
    p_run_id, 'litellm', p_rows, p_missing, p_catalog_hash, p_held, p_source);
  if p_entries is not null and pg_catalog.jsonb_typeof(p_entries) <> 'object' then
    raise exception 'entries must be a JSON object' using errcode = '22023';
  end if;
  insert into public.pricing_litellm_entries as e (model_id, entry, updated_at)
  select x.key, x.value, v_now
    from (select s.entries from public.pricing_litellm_entries_stage s where s.run_id = p_run_id
          union all
          select p_entries where p_entries is not null) c,
         pg_catalog.jsonb_each(c.entries) as x(key, value)
   where pg_catalog.jsonb_typeof(x.value) = 'object'
     and not exists (select 1 from pg_catalog.unnest(p_held_models) as h(model_id) where h.model_id = x.key)
  on conflict (model_id) do update set entry = excluded.entry, updated_at = excluded.updated_at
   where e.entry is distinct from excluded.entry;
  get diagnostics v_written = row_count;
  delete from public.pricing_litellm_entries_stage s where s.run_id = p_run_id;
  return v_result || pg_catalog.jsonb_build_object('entries_written', v_written);
end;
$$;

-- Stores a provider's catalog hash after its commit, for a sync that computes the hash while
-- Postgres commits (docs/performance.md says when). Only the row this run's commit wrote is
-- updated. Until then the provider row has no hash, which only means the next run diffs in full:
-- a failure in between is safe.
create or replace function public.pricing_set_catalog_hash(p_run_id bigint, p_provider text, p_catalog_hash text)
returns jsonb language plpgsql security definer set search_path = ''
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

-- EXECUTE for the server key only: revoked from the roles Supabase grants it to by default.
revoke execute on function
  public.pricing_stage_chunk,
  public.pricing_commit_provider,
  public.pricing_stage_litellm_entries,
  public.pricing_commit_litellm,
  public.pricing_set_catalog_hash
  from public, anon, authenticated;

grant execute on function
  public.pricing_stage_chunk,
  public.pricing_commit_provider,
  public.pricing_stage_litellm_entries,
  public.pricing_commit_litellm,
  public.pricing_set_catalog_hash
  to service_role;
