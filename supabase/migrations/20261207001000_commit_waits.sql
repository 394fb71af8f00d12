-- Two waits and one wasted join in a sync's commits (issue 29).
--
-- pricing_read_operator_state locked the lease row on every call, so a provider's plan (which needs
-- its operator state) waited for the commit of the provider before it, and could neither plan nor
-- stage meanwhile (~200 ms per provider in a 25,000-model full sync). It now checks the lease and
-- locks it only when it has expired pins to remove. Nothing else can write what it reads while the
-- run holds the lease: operator actions take the lease, and a sync's commits write other
-- providers' rows, and no rejected or rolled-back change.
--
-- pricing_commit_provider ran its digest-only update even with no digest-only row, a join that read
-- the provider's rows each time (~13 ms a commit at 8,300 models); it is now skipped then. It
-- records the provider with pricing_record_provider_success (20261207000900), as
-- pricing_touch_provider does. The rest of the function is as in 20261207000600_source_digests.sql.

create or replace function public.pricing_read_operator_state(p_run_id bigint, p_provider text)
returns jsonb language plpgsql security definer set search_path = ''
as $$
declare
  v_pin public.pricing_pins%rowtype;
  v_expired jsonb := '[]'::jsonb;
begin
  if p_run_id is not null then
    -- Checked, not locked: while a run holds the lease no one else writes what is read here, and
    -- the lock made the read wait for another provider's commit (which holds the lease row until
    -- it ends). It is locked, as before, only to remove expired pins.
    perform public.pricing_check_lease(p_run_id);
  end if;
  if p_run_id is not null and exists (
    select 1 from public.pricing_pins
     where provider = p_provider and expires_at is not null and expires_at <= clock_timestamp()
  ) then
    perform public.pricing_assert_lease(p_run_id);
    for v_pin in
      select * from public.pricing_pins
       where provider = p_provider and expires_at is not null and expires_at <= clock_timestamp()
       order by model_id for update
    loop
      delete from public.pricing_pins where provider = p_provider and model_id = v_pin.model_id;
      v_expired := v_expired || to_jsonb(v_pin.model_id);
    end loop;
  end if;
  return jsonb_build_object(
    'pins', (select coalesce(jsonb_agg(p.model_id order by p.model_id), '[]'::jsonb)
               from public.pricing_pins p
              where p.provider = p_provider and (p.expires_at is null or p.expires_at > clock_timestamp())),
    'expired_pins', v_expired,
    'rejected', (select coalesce(jsonb_agg(jsonb_build_array(h.model_id, h.proposed_prices) order by h.model_id, h.id), '[]'::jsonb)
                   from public.pricing_held_changes h
                  where h.provider = p_provider and h.model_id is not null and h.status = 'rejected'),
    'rolled_back', (select coalesce(jsonb_agg(jsonb_build_array(h.model_id, h.old_prices) order by h.model_id), '[]'::jsonb)
                      from (select distinct on (r.model_id) r.model_id, r.old_prices, r.id
                              from public.model_pricing_history r
                             where r.provider = p_provider and r.kind = 'rolled_back' and r.old_prices is not null
                             order by r.model_id, r.id desc) h
                     where not exists (select 1 from public.model_pricing_history later
                                        where later.provider = p_provider and later.model_id = h.model_id
                                          and later.id > h.id)));
end;
$$;

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
begin
  perform public.pricing_assert_lease(p_run_id);

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

    -- One join says what differs; history (old prices, read before the update in the same
    -- snapshot), the update and the insert all write from it. Only real differences count.
    with diff as materialized (
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
             -- A change of context length or alias alone is not a price change.
             m.model_id is null or public.pricing_prices_of(m) is distinct from i.prices as price_changed
        from pg_temp.pricing_incoming_digests i
        left join public.model_pricing m on m.provider = p_provider and m.model_id = i.model_id
       -- A digest_only row was found unchanged by the sync: it never writes anything else.
       where not i.digest_only
         and (m.model_id is null
              or (public.pricing_prices_of(m), m.context_length, m.alias_of)
                 is distinct from (i.prices, i.context_length, i.alias_of))
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
             source_digest = d.source_digest,
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
        updated_at, source_digest)
      select p_provider, d.model_id, (d.prices).state, (d.prices).input, (d.prices).output,
             (d.prices).cache_read, (d.prices).cache_write, (d.prices).request, (d.prices).image,
             (d.prices).extra, (d.prices).tiers, d.context_length, d.alias_of, p_source, v_now, null,
             v_now, d.source_digest
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
