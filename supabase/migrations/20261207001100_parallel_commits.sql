-- One run's providers commit at the same time (issue 29). Their commits were one after another
-- (run-sync.ts took turns, and each commit locked the lease row FOR UPDATE until it ended), so a
-- 25,000-model full sync ended with ~0.6 s of commits on one of the machine's two cores while the
-- other idled. The commits of one run write different providers' rows; what must stay in order is
-- the change feed, whose order is history id order.
--
-- The rule, restated (it was 20261207000200_change_feed.sql's): every writer of
-- model_pricing_history holds the price version row (pricing_price_version, id 1) locked from
-- before its first history id is drawn until its transaction ends. The history trigger takes it
-- (pricing_history_lock_feed, before the statement, as pricing_history_lock_lease took the lease
-- row), and every write of a served price already took it when it bumped the version. So two
-- writers never draw history ids at the same time: a reader that has served id N never later finds
-- a new row below N.
--
-- What changes:
--   * pricing_commit_provider and pricing_touch_provider take the lease FOR SHARE
--     (pricing_share_lease): a run's commits hold it together; an operator action (FOR UPDATE,
--     pricing_operator_holder) and a lease taken over (an UPDATE) still wait for them, and they
--     for it.
--   * pricing_commit_provider reads first, beside the run's other commits: the incoming rows typed,
--     and the diff against the stored rows (old and new prices' JSON made) into a session temp
--     table (pricing_commit_diff), as the incoming rows are. Then it takes the version row, and its
--     time once it holds it, and writes the rows and the history, one commit at a time: so the
--     rows' updated_at and first_seen_at and the history's effective_at follow commit order, as
--     they did when the commits of a run took turns. A commit that writes nothing takes no turn.
--   * The history trigger locks the version row instead of the lease row: with the lease shared,
--     two commits locking it FOR UPDATE would wait for each other.
--
-- Lock order, everywhere: the lease (shared or not) first, then the version row. An operator
-- action holds the lease before it writes; a sync's commit before it writes. The rest of
-- pricing_commit_provider is as in 20261207001000_commit_waits.sql.

-- pricing_assert_lease, shared: the run's commits of different providers hold it at once.
create or replace function public.pricing_share_lease(p_run_id bigint)
returns void language plpgsql security definer set search_path = ''
as $$
declare
  v_holder bigint;
begin
  select run_id into v_holder from public.pricing_sync_lease where id = 1 for share;
  if v_holder is distinct from p_run_id then
    raise exception 'run % does not hold the sync lease (holder: %)', p_run_id, coalesce(v_holder::text, 'none')
      using errcode = '55P03';
  end if;
end;
$$;

create or replace function public.pricing_history_lock_feed()
returns trigger language plpgsql security definer set search_path = ''
as $$
begin
  perform 1 from public.pricing_price_version where id = 1 for update;
  return null;
end;
$$;

drop trigger pricing_history_lock_lease on public.model_pricing_history;
create trigger pricing_history_lock_feed before insert on public.model_pricing_history
  for each statement execute function public.pricing_history_lock_feed();
drop function public.pricing_history_lock_lease();

revoke execute on function public.pricing_share_lease, public.pricing_history_lock_feed
  from public, anon, authenticated;

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
  if pg_catalog.to_regclass('pg_temp.pricing_incoming_digests') is null then
    create temp table pg_temp.pricing_incoming_digests (
      model_id text primary key,
      prices public.pricing_prices not null,
      context_length integer,
      alias_of text,
      source_digest text,
      digest_only boolean not null
    ) on commit delete rows;
  end if;
  -- Empty unless a caller applies twice in one transaction; a delete, not a truncate, which would
  -- make Postgres plan the statements again.
  delete from pg_temp.pricing_incoming_digests;
  -- Every staged chunk and the inline rows, each array read once; a model listed twice is a
  -- unique violation here, before anything is written.
  insert into pg_temp.pricing_incoming_digests (model_id, prices, context_length, alias_of, source_digest, digest_only)
  select r.model_id,
         row(r.state, r.input, r.output, r.cache_read, r.cache_write, r.request, r.image,
             coalesce(r.extra, '{}'::jsonb), coalesce(r.tiers, '[]'::jsonb))::public.pricing_prices,
         r.context_length, r.alias_of, r.source_digest, coalesce(r.digest_only, false)
    from (select s.rows from public.pricing_apply_stage s
           where s.run_id = p_run_id and s.provider = p_provider
          union all
          select p_rows where p_rows is not null) c,
         pg_catalog.jsonb_to_recordset(c.rows) as r(
           model_id text, state text, input numeric, output numeric, cache_read numeric,
           cache_write numeric, request numeric, image numeric, extra jsonb, tiers jsonb,
           context_length integer, alias_of text, source_digest text, digest_only boolean);
  get diagnostics v_incoming = row_count;

  if v_incoming > 0 then
    if exists (select 1 from pg_temp.pricing_incoming_digests i where (i.prices).state is null) then
      raise exception 'null value in column "state": every row needs a state' using errcode = '23502';
    end if;

    -- What differs, kept for the session like the incoming rows (see above): only real
    -- differences count. The old prices are read here, before the update below.
    if pg_catalog.to_regclass('pg_temp.pricing_commit_diff') is null then
      create temp table pg_temp.pricing_commit_diff (
        model_id text primary key,
        prices public.pricing_prices not null,
        context_length integer,
        alias_of text,
        source_digest text,
        stored boolean not null,
        kind text not null,
        old_state text,
        old_input numeric,
        old_output numeric,
        old_prices jsonb,
        new_prices jsonb not null,
        price_changed boolean not null
      ) on commit delete rows;
    end if;
    delete from pg_temp.pricing_commit_diff;
    insert into pg_temp.pricing_commit_diff
    select i.model_id, i.prices, i.context_length, i.alias_of, i.source_digest,
           m.model_id is not null as stored,
           case when m.model_id is null then 'added' when m.state = 'missing' then 'restored'
                else 'changed' end as kind,
           m.state as old_state,
           m.input_price_per_1m_tokens as old_input,
           m.output_price_per_1m_tokens as old_output,
           case when m.model_id is not null
                then public.pricing_prices_json(public.pricing_prices_of(m), m.context_length, m.alias_of)
           end as old_prices,
           -- Made here, outside the version row's lock, as the old prices are.
           public.pricing_prices_json(i.prices, i.context_length, i.alias_of) as new_prices,
           -- A change of context length or alias alone is not a price change.
           m.model_id is null or public.pricing_prices_of(m) is distinct from i.prices as price_changed
      from pg_temp.pricing_incoming_digests i
      left join public.model_pricing m on m.provider = p_provider and m.model_id = i.model_id
     -- A digest_only row was found unchanged by the sync: it never writes anything else.
     where not i.digest_only
       and (m.model_id is null
            or (public.pricing_prices_of(m), m.context_length, m.alias_of)
               is distinct from (i.prices, i.context_length, i.alias_of));

    -- What follows writes, one commit at a time: the version row is taken first (the price version
    -- is bumped and the history written under it), and the commit's time once it is held, so that
    -- the rows' updated_at and first_seen_at and the history's effective_at follow commit order (a
    -- reader of /prices?updated_since= never finds a row older than one it has already seen). The
    -- reading above, most of a commit's work, runs beside the run's other commits.
    if exists (select 1 from pg_temp.pricing_commit_diff) then
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
          from pg_temp.pricing_commit_diff d
         where d.stored and m.provider = p_provider and m.model_id = d.model_id
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
          from pg_temp.pricing_commit_diff d
         where not d.stored
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
        from pg_temp.pricing_commit_diff d;
      select count(*) filter (where d.kind = 'added'),
             count(*) filter (where d.kind = 'changed'),
             count(*) filter (where d.kind = 'restored')
        into v_added, v_changed, v_restored
        from pg_temp.pricing_commit_diff d;
    end if;

    -- Rows already holding these values take the item's digest alone (a first sync of this
    -- build, or an item whose other fields changed): nothing else is written, no history. Only
    -- when there are any: with none, the join still read the provider's rows (~13 ms at 8,300).
    if exists (select 1 from pg_temp.pricing_incoming_digests i where i.digest_only) then
      update public.model_pricing m
         set source_digest = i.source_digest
        from pg_temp.pricing_incoming_digests i
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

create or replace function public.pricing_touch_provider(
  p_run_id bigint,
  p_provider text,
  p_catalog_hash text,
  p_held jsonb
)
returns jsonb language plpgsql security definer set search_path = ''
as $$
begin
  perform public.pricing_share_lease(p_run_id);
  -- For a commit that staged nothing: staged rows are written by pricing_commit_provider only.
  if exists (select 1 from public.pricing_apply_stage s where s.run_id = p_run_id and s.provider = p_provider) then
    raise exception '%: rows are staged for run %; they are committed by pricing_commit_provider', p_provider, p_run_id
      using errcode = '22023';
  end if;
  perform public.pricing_record_provider_success(
    p_run_id, p_provider, p_catalog_hash, p_held, false, pg_catalog.clock_timestamp());
  return pg_catalog.jsonb_build_object(
    'added', 0, 'changed', 0, 'restored', 0, 'missing', 0, 'rows_written', 0);
end;
$$;
