-- A commit's reading in one pass (issue 29). pricing_commit_provider read its rows twice before it
-- wrote: the staged JSON into a typed session table (pricing_incoming_digests, its primary key the
-- duplicate check), then that table joined with the stored rows into a second one
-- (pricing_commit_diff, with a primary key of its own). For a provider of 8,300 new models that was
-- ~40 + ~65 ms of a ~240 ms commit, on the part of the commit that runs before its turn to write.
--
-- Now the staged JSON is typed, joined with the stored rows and diffed in one statement, into one
-- session table without an index (pricing_commit_rows): every incoming row, with whether it
-- differs from its stored row and, when it does, its diff (kind, old values, old and new prices'
-- JSON). A model listed twice is still refused before anything is written: a grouped check over
-- that table raises unique_violation (23505), as the primary key did. Measured in the whole function
-- on 8,333 new models (rolled back, medians of seven): 58-61 ms for the one statement against
-- 27-34 + 50-53 ms for the two it replaces; for 8,333 stored models with the same values the whole
-- commit is as before (83-93 ms against 85-87 ms), with `differs` computed once a row (below).
--
-- What is written, in what order and under which lock, is as in
-- 20261207001100_parallel_commits.sql: the writes and the history go in turn, under the price
-- version row, stamped once it is held; a commit that writes nothing takes no turn; digest-only
-- rows take their digest alone.

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
  v_incoming integer := 0;
  v_added integer := 0;
  v_changed integer := 0;
  v_restored integer := 0;
  v_missing integer := 0;
  v_updated integer := 0;
  v_inserted integer := 0;
  v_now timestamptz := clock_timestamp();
  v_in_order boolean := false;
  v_duplicate text;
begin
  -- Shared with the run's other commits (other providers' rows); an operator action, a lease
  -- taken over, waits for it, as before.
  perform public.pricing_share_lease(p_run_id);

  if p_rows is not null and pg_catalog.jsonb_typeof(p_rows) <> 'array' then
    raise exception 'rows must be a JSON array' using errcode = '22023';
  end if;
  -- Kept for the session and emptied at each commit, so that Postgres keeps its plans for the
  -- statements below (a table created per call is planned again per call). A migration that
  -- changes its columns must give it a new name, since a pooled session may still hold this one.
  -- No index: it is written once and read whole; the duplicate check below replaces a primary key.
  if pg_catalog.to_regclass('pg_temp.pricing_commit_rows') is null then
    create temp table pg_temp.pricing_commit_rows (
      model_id text,
      prices public.pricing_prices not null,
      context_length integer,
      alias_of text,
      source_digest text,
      digest_only boolean not null,
      -- Not digest_only, and new or holding other values than its stored row: written, with
      -- history. The columns after it are set only then.
      differs boolean not null,
      stored boolean,
      kind text,
      old_state text,
      old_input numeric,
      old_output numeric,
      old_prices jsonb,
      new_prices jsonb,
      price_changed boolean
    ) on commit delete rows;
  end if;
  -- Empty unless a caller applies twice in one transaction; a delete, not a truncate, which would
  -- make Postgres plan the statements again.
  delete from pg_temp.pricing_commit_rows;
  -- Every staged chunk and the inline rows, each array read once, typed, joined with the stored
  -- rows and diffed in the same statement. The old prices are read here, before the update below;
  -- the JSON of both sides is made here, outside the version row's lock.
  insert into pg_temp.pricing_commit_rows
  select i.model_id, i.prices, i.context_length, i.alias_of, i.source_digest, i.digest_only,
         d.differs,
         case when d.differs then m.model_id is not null end,
         case when not d.differs then null
              when m.model_id is null then 'added' when m.state = 'missing' then 'restored'
              else 'changed' end,
         case when d.differs then m.state end,
         case when d.differs then m.input_price_per_1m_tokens end,
         case when d.differs then m.output_price_per_1m_tokens end,
         case when d.differs and m.model_id is not null
              then public.pricing_prices_json(public.pricing_prices_of(m), m.context_length, m.alias_of)
         end,
         case when d.differs then public.pricing_prices_json(i.prices, i.context_length, i.alias_of) end,
         -- A change of context length or alias alone is not a price change.
         case when d.differs
              then m.model_id is null or public.pricing_prices_of(m) is distinct from i.prices
         end
    from (select r.model_id,
                 row(r.state, r.input, r.output, r.cache_read, r.cache_write, r.request, r.image,
                     coalesce(r.extra, '{}'::jsonb), coalesce(r.tiers, '[]'::jsonb))::public.pricing_prices
                   as prices,
                 r.context_length, r.alias_of, r.source_digest,
                 coalesce(r.digest_only, false) as digest_only
            from (select s.rows from public.pricing_apply_stage s
                   where s.run_id = p_run_id and s.provider = p_provider
                  union all
                  select p_rows where p_rows is not null) c,
                 pg_catalog.jsonb_to_recordset(c.rows) as r(
                   model_id text, state text, input numeric, output numeric, cache_read numeric,
                   cache_write numeric, request numeric, image numeric, extra jsonb, tiers jsonb,
                   context_length integer, alias_of text, source_digest text, digest_only boolean)) i
    left join public.model_pricing m on m.provider = p_provider and m.model_id = i.model_id
    -- A digest_only row was found unchanged by the sync: it never writes anything else.
    -- `offset 0` keeps the comparison a subquery computed once a row: merged into the statement,
    -- it was made again for each column that reads `differs` (~50 ms more for 8,300 stored rows).
    cross join lateral (
      select not i.digest_only
             and (m.model_id is null
                  or (public.pricing_prices_of(m), m.context_length, m.alias_of)
                     is distinct from (i.prices, i.context_length, i.alias_of)) as differs
      offset 0
    ) d;
  get diagnostics v_incoming = row_count;

  if v_incoming > 0 then
    if exists (select 1 from pg_temp.pricing_commit_rows r where r.model_id is null) then
      raise exception 'null value in column "model_id": every row needs a model id' using errcode = '23502';
    end if;
    -- A model listed twice is refused before anything is written, as the incoming table's primary
    -- key refused it.
    select r.model_id into v_duplicate
      from pg_temp.pricing_commit_rows r
     group by r.model_id
    having pg_catalog.count(*) > 1
     limit 1;
    if found then
      raise exception 'duplicate key value: model % is listed more than once for %', v_duplicate, p_provider
        using errcode = '23505';
    end if;
    if exists (select 1 from pg_temp.pricing_commit_rows r where (r.prices).state is null) then
      raise exception 'null value in column "state": every row needs a state' using errcode = '23502';
    end if;

    -- What follows writes, one commit at a time: the version row is taken first (the price version
    -- is bumped and the history written under it), and the commit's time once it is held, so that
    -- the rows' updated_at and first_seen_at and the history's effective_at follow commit order (a
    -- reader of /prices?updated_since= never finds a row older than one it has already seen). The
    -- reading above, most of a commit's work, runs beside the run's other commits.
    if exists (select 1 from pg_temp.pricing_commit_rows r where r.differs) then
      perform 1 from public.pricing_price_version where id = 1 for update;
      v_now := clock_timestamp();
      v_in_order := true;

      with updated as (
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
               source_digest = d.source_digest,
               source = p_source,
               missing_since = null,
               updated_at = case when d.price_changed then v_now else m.updated_at end
          from pg_temp.pricing_commit_rows d
         where d.differs and d.stored and m.provider = p_provider and m.model_id = d.model_id
        returning 1
      ),
      inserted as (
        insert into public.model_pricing (
          provider, model_id, state, input_price_per_1m_tokens, output_price_per_1m_tokens,
          cache_read_price_per_1m_tokens, cache_write_price_per_1m_tokens, request_price, image_price,
          extra_prices, pricing_tiers, context_length, alias_of, source, first_seen_at, missing_since,
          updated_at, source_digest)
        select p_provider, d.model_id, (d.prices).state, (d.prices).input, (d.prices).output,
               (d.prices).cache_read, (d.prices).cache_write, (d.prices).request, (d.prices).image,
               (d.prices).extra, (d.prices).tiers, d.context_length, d.alias_of, p_source, v_now, null,
               v_now, d.source_digest
          from pg_temp.pricing_commit_rows d
         where d.differs and not d.stored
        returning 1
      )
      select (select count(*) from updated), (select count(*) from inserted)
        into v_updated, v_inserted;

      -- The history of what was written, in the change feed's order (its trigger takes the version
      -- row before an id is drawn, pricing_history_lock_feed; this commit holds it already).
      insert into public.model_pricing_history (
        run_id, provider, model_id, kind, old_state, new_state,
        old_input_price_per_1m_tokens, new_input_price_per_1m_tokens,
        old_output_price_per_1m_tokens, new_output_price_per_1m_tokens,
        old_prices, new_prices, effective_at)
      select p_run_id, p_provider, d.model_id, d.kind, d.old_state, (d.prices).state,
             d.old_input, (d.prices).input, d.old_output, (d.prices).output,
             d.old_prices, d.new_prices, v_now
        from pg_temp.pricing_commit_rows d
       where d.differs;
      select count(*) filter (where d.kind = 'added'),
             count(*) filter (where d.kind = 'changed'),
             count(*) filter (where d.kind = 'restored')
        into v_added, v_changed, v_restored
        from pg_temp.pricing_commit_rows d
       where d.differs;
    end if;

    -- Rows already holding these values take the item's digest alone (a first sync of this
    -- build, or an item whose other fields changed): nothing else is written, no history. Only
    -- when there are any: with none, the join still read the provider's rows (~13 ms at 8,300).
    if exists (select 1 from pg_temp.pricing_commit_rows i where i.digest_only) then
      update public.model_pricing m
         set source_digest = i.source_digest
        from pg_temp.pricing_commit_rows i
       where i.digest_only and m.provider = p_provider and m.model_id = i.model_id
         and i.source_digest is not null
         and m.source_digest is distinct from i.source_digest
         and (public.pricing_prices_of(m), m.context_length, m.alias_of)
             is not distinct from (i.prices, i.context_length, i.alias_of);
    end if;
  end if;

  if coalesce(pg_catalog.cardinality(p_missing), 0) > 0 then
    if not v_in_order then
      perform 1 from public.pricing_price_version where id = 1 for update;
      v_now := clock_timestamp();
      v_in_order := true;
    end if;
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

  perform public.pricing_record_provider_success(
    p_run_id, p_provider, p_catalog_hash, p_held, v_updated + v_inserted + v_missing > 0, v_now);

  return pg_catalog.jsonb_build_object(
    'added', v_added, 'changed', v_changed, 'restored', v_restored, 'missing', v_missing,
    'rows_written', v_updated + v_inserted + v_missing);
end;
$$;
