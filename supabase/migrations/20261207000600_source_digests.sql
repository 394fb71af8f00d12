-- Item digests: a sync skips normalizing and diffing an item whose bytes are those its stored row
-- was written from (lib/providers/item-digest.ts). Each row keeps the digest of the provider's item it
-- was last written from (salted with the build and the price cap), or null when its values came
-- from anywhere else.

alter table public.model_pricing add column source_digest text;

-- A row whose stored values change without a new digest (a pin, an approval, a rollback, a model
-- marked missing, any writer that does not know of digests) forgets its digest: a digest only
-- ever stands for the values it was written with, so the next sync normalizes and diffs that model.
create or replace function public.pricing_forget_source_digest()
returns trigger language plpgsql set search_path = ''
as $$
begin
  new.source_digest := null;
  return new;
end;
$$;

create or replace trigger pricing_forget_source_digest before update on public.model_pricing
  for each row
  when (new.source_digest is not distinct from old.source_digest
        and new.source_digest is not null
        and (new.state, new.input_price_per_1m_tokens, new.output_price_per_1m_tokens,
             new.cache_read_price_per_1m_tokens, new.cache_write_price_per_1m_tokens,
             new.request_price, new.image_price, new.extra_prices, new.pricing_tiers,
             new.context_length, new.alias_of)
            is distinct from
            (old.state, old.input_price_per_1m_tokens, old.output_price_per_1m_tokens,
             old.cache_read_price_per_1m_tokens, old.cache_write_price_per_1m_tokens,
             old.request_price, old.image_price, old.extra_prices, old.pricing_tiers,
             old.context_length, old.alias_of))
  execute function public.pricing_forget_source_digest();

-- A digest written alone (pricing_commit_provider below) changes nothing a reader sees: the price
-- version is bumped only by an update that changed something else, so an unchanged table keeps
-- answering 304. The first differing row ends the check; only a statement that wrote digests alone
-- compares all its rows.
create or replace function public.pricing_bump_price_version_on_update()
returns trigger language plpgsql security definer set search_path = pg_catalog, pg_temp
as $$
begin
  if exists (select 1 from changed_rows n
               join old_rows o on o.provider = n.provider and o.model_id = n.model_id
              where (pg_catalog.to_jsonb(n) - 'source_digest') is distinct from (pg_catalog.to_jsonb(o) - 'source_digest')) then
    update public.pricing_price_version
       set version = version + 1, bumped_at = clock_timestamp()
     where id = 1;
  end if;
  return null;
end;
$$;

drop trigger pricing_price_version_update on public.model_pricing;
create trigger pricing_price_version_update after update on public.model_pricing
  referencing old table as old_rows new table as changed_rows
  for each statement execute function public.pricing_bump_price_version_on_update();

-- What a sync compares its items with: every stored model of the provider as [model_id, state,
-- source_digest], in no order. A pinned model (a pin row, expired or not) has none: its item is
-- always normalized, for drift. Takes no lock, so it never waits for another provider's commit.
create or replace function public.pricing_read_source_digests(p_provider text)
returns json language sql stable security definer set search_path = ''
as $$
  select coalesce(pg_catalog.json_agg(pg_catalog.json_build_array(m.model_id, m.state,
           case when p.model_id is null then m.source_digest end)),
         '[]'::pg_catalog.json)
  from public.model_pricing m
  left join public.pricing_pins p on p.provider = m.provider and p.model_id = m.model_id
  where m.provider = p_provider;
$$;

-- A stored model as both model reads give it: [model_id, state, input, output, cache_read,
-- cache_write, request, image, extra_prices, pricing_tiers, context_length, alias_of], the order
-- lib/db/rpc-results.ts storedModelOf reads. No SET clause and no security definer, so that the
-- planner inlines it (once per stored model); every name in it is qualified.
create or replace function public.pricing_stored_model_row(m public.model_pricing)
returns json language sql stable
as $$
  select pg_catalog.json_build_array(
    m.model_id, m.state,
    pg_catalog.trim_scale(m.input_price_per_1m_tokens)::text,
    pg_catalog.trim_scale(m.output_price_per_1m_tokens)::text,
    pg_catalog.trim_scale(m.cache_read_price_per_1m_tokens)::text,
    pg_catalog.trim_scale(m.cache_write_price_per_1m_tokens)::text,
    pg_catalog.trim_scale(m.request_price)::text,
    pg_catalog.trim_scale(m.image_price)::text,
    m.extra_prices, m.pricing_tiers, m.context_length, m.alias_of);
$$;

-- As before (20261206000500_reads.sql), the row said once.
create or replace function public.pricing_read_models(p_provider text)
returns json language sql stable security definer set search_path = ''
as $$
  select coalesce(pg_catalog.json_agg(public.pricing_stored_model_row(m) order by m.model_id),
                  '[]'::pg_catalog.json)
  from public.model_pricing m
  where m.provider = p_provider;
$$;

-- pricing_read_models for the named models only: those a sync has to diff (changed items, models
-- no longer listed) when the rest were skipped by their digest.
create or replace function public.pricing_read_models_of(p_provider text, p_model_ids text[])
returns json language sql stable security definer set search_path = ''
as $$
  select coalesce(pg_catalog.json_agg(public.pricing_stored_model_row(m) order by m.model_id),
                  '[]'::pg_catalog.json)
  from public.model_pricing m
  where m.provider = p_provider and m.model_id = any(p_model_ids);
$$;

-- pricing_commit_provider as before, with each row's source_digest (optional): written with the
-- rows that differ, and, for a row marked digest_only, on its own (no history, no other column)
-- where the stored values are already the row's, so that the next sync can skip its item.
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
    -- build, or an item whose other fields changed): nothing else is written, no history.
    update public.model_pricing m
       set source_digest = i.source_digest
      from pg_temp.pricing_incoming_digests i
     where i.digest_only and m.provider = p_provider and m.model_id = i.model_id
       and i.source_digest is not null
       and m.source_digest is distinct from i.source_digest
       and (public.pricing_prices_of(m), m.context_length, m.alias_of)
           is not distinct from (i.prices, i.context_length, i.alias_of);
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

-- EXECUTE for the server key only: revoked from the roles Supabase grants it to by default. The
-- trigger functions are for the triggers alone.
revoke execute on function
  public.pricing_stored_model_row,
  public.pricing_forget_source_digest,
  public.pricing_bump_price_version_on_update,
  public.pricing_read_source_digests,
  public.pricing_read_models_of,
  public.pricing_commit_provider
  from public, anon, authenticated;
grant execute on function
  public.pricing_read_source_digests,
  public.pricing_read_models_of,
  public.pricing_commit_provider
  to service_role;
