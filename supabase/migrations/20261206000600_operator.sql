-- Operator control: held changes as rows, and the rules every operator write follows.

-- For an operator action: locks the lease row until the caller's transaction ends (a sync's
-- apply waits for it, and it for a sync's apply), marks a dead run abandoned, and returns the run
-- holding a live lease, or null.
create or replace function public.pricing_operator_holder()
returns bigint language plpgsql security definer set search_path = ''
as $$
declare
  v_lease public.pricing_sync_lease%rowtype;
begin
  perform public.pricing_reap_lease();
  select * into v_lease from public.pricing_sync_lease where id = 1 for update;
  if v_lease.run_id is not null and v_lease.expires_at > clock_timestamp() then
    return v_lease.run_id;
  end if;
  return null;
end;
$$;

create or replace function public.pricing_operator_busy(p_holder bigint)
returns jsonb language sql immutable
as $$
  select pg_catalog.jsonb_build_object('ok', false, 'status', 409,
    'error', 'a pricing sync is running (run ' || p_holder || '); try again when it has finished',
    'running_run_id', p_holder);
$$;

create or replace function public.pricing_operator_refusal(p_status integer, p_error text, p_details jsonb)
returns jsonb language sql immutable
as $$
  select pg_catalog.jsonb_build_object('ok', false, 'status', p_status, 'error', p_error)
         || coalesce(p_details, '{}'::jsonb);
$$;

-- Starts an operator run (status running; pricing_finish_run records it).
create or replace function public.pricing_operator_start(p_trigger text, p_triggered_by text, p_providers text[], p_rollback_of bigint)
returns bigint language sql security definer set search_path = ''
as $$
  insert into public.pricing_sync_runs (trigger, triggered_by, dry_run, forced, providers, rollback_of)
  values (p_trigger, p_triggered_by, false, false, coalesce(p_providers, '{}'), p_rollback_of)
  returning id;
$$;

-- Sets one model to p_new (history shape) under p_run_id and appends a history row of p_kind.
-- Without p_always an identical row writes nothing. A model not stored yet is inserted.
-- Returns whether a history row was written.
create or replace function public.pricing_operator_write_model(
  p_run_id bigint,
  p_provider text,
  p_model_id text,
  p_new jsonb,
  p_kind text,
  p_always boolean
)
returns boolean language plpgsql security definer set search_path = ''
as $$
declare
  m public.model_pricing%rowtype;
  v_found boolean;
  v_new public.pricing_prices;
  v_context_length integer := (p_new ->> 'context_length')::integer;
  v_alias_of text := p_new ->> 'alias_of';
  v_now timestamptz := clock_timestamp();
begin
  v_new := row(p_new ->> 'state', (p_new ->> 'input_price_per_1m_tokens')::numeric,
               (p_new ->> 'output_price_per_1m_tokens')::numeric,
               (p_new ->> 'cache_read_price_per_1m_tokens')::numeric,
               (p_new ->> 'cache_write_price_per_1m_tokens')::numeric,
               (p_new ->> 'request_price')::numeric, (p_new ->> 'image_price')::numeric,
               coalesce(p_new -> 'extra_prices', '{}'::jsonb),
               coalesce(p_new -> 'pricing_tiers', '[]'::jsonb))::public.pricing_prices;
  select * into m from public.model_pricing where provider = p_provider and model_id = p_model_id for update;
  v_found := found;
  if v_found and not coalesce(p_always, false)
     and (public.pricing_prices_of(m), m.context_length, m.alias_of)
         is not distinct from (v_new, v_context_length, v_alias_of) then
    return false;
  end if;

  insert into public.model_pricing_history (
    run_id, provider, model_id, kind, old_state, new_state,
    old_input_price_per_1m_tokens, new_input_price_per_1m_tokens,
    old_output_price_per_1m_tokens, new_output_price_per_1m_tokens,
    old_prices, new_prices, effective_at)
  values (
    p_run_id, p_provider, p_model_id, p_kind, m.state, v_new.state,
    m.input_price_per_1m_tokens, v_new.input, m.output_price_per_1m_tokens, v_new.output,
    case when v_found then public.pricing_prices_json(public.pricing_prices_of(m), m.context_length, m.alias_of) end,
    public.pricing_prices_json(v_new, v_context_length, v_alias_of),
    v_now);

  if v_found then
    update public.model_pricing t
       set state = v_new.state,
           input_price_per_1m_tokens = v_new.input,
           output_price_per_1m_tokens = v_new.output,
           cache_read_price_per_1m_tokens = v_new.cache_read,
           cache_write_price_per_1m_tokens = v_new.cache_write,
           request_price = v_new.request,
           image_price = v_new.image,
           extra_prices = v_new.extra,
           pricing_tiers = v_new.tiers,
           context_length = v_context_length,
           alias_of = v_alias_of,
           missing_since = case when v_new.state = 'missing' then coalesce(m.missing_since, v_now) end,
           updated_at = case when public.pricing_prices_of(m) is distinct from v_new then v_now else m.updated_at end
     where t.provider = p_provider and t.model_id = p_model_id
       and (public.pricing_prices_of(t), t.context_length, t.alias_of)
           is distinct from (v_new, v_context_length, v_alias_of);
  else
    insert into public.model_pricing (
      provider, model_id, state, input_price_per_1m_tokens, output_price_per_1m_tokens,
      cache_read_price_per_1m_tokens, cache_write_price_per_1m_tokens, request_price, image_price,
      extra_prices, pricing_tiers, context_length, alias_of, source, first_seen_at, missing_since, updated_at)
    values (p_provider, p_model_id, v_new.state, v_new.input, v_new.output, v_new.cache_read,
            v_new.cache_write, v_new.request, v_new.image, v_new.extra, v_new.tiers, v_context_length,
            v_alias_of, 'operator', v_now, case when v_new.state = 'missing' then v_now end, v_now);
  end if;
  return true;
end;
$$;

-- After an operator run wrote prices: the next sync of these providers diffs again (no
-- unchanged-catalog shortcut), their counts by state are current, and their held counts are the
-- pending rows. last_success_at is left alone: it means "fetched from the provider".
create or replace function public.pricing_operator_touch_providers(p_providers text[])
returns void language sql security definer set search_path = ''
as $$
  update public.pricing_providers p
     set catalog_hash = null,
         models_by_state = coalesce((select pg_catalog.jsonb_object_agg(c.state, c.n) from
                             (select m.state, count(*) as n from public.model_pricing m
                               where m.provider = p.provider group by m.state) c), '{}'::jsonb),
         held_count = (select count(*) from public.pricing_held_changes h
                        where h.provider = p.provider and h.status = 'pending'),
         held_changes = coalesce((
           select pg_catalog.jsonb_agg(e.value order by e.ordinality)
             from pg_catalog.jsonb_array_elements(p.held_changes) with ordinality as e(value, ordinality)
            where exists (select 1 from public.pricing_held_changes h
                           where h.provider = p.provider and h.status = 'pending'
                             and coalesce(h.model_id, '') = coalesce(e.value ->> 'model_id', ''))), '[]'::jsonb),
         updated_at = clock_timestamp()
   where p.provider = any(p_providers);
$$;

-- A held row as the API shows it.
create or replace function public.pricing_held_view(h public.pricing_held_changes)
returns jsonb language sql stable
as $$
  select pg_catalog.jsonb_build_object(
    'id', h.id, 'provider', h.provider, 'model_id', h.model_id,
    'scope', case when h.model_id is null then 'provider' else 'model' end,
    'reason', h.reason, 'detail', h.detail,
    'current', public.pricing_price_view(h.current_prices),
    'proposed', case when h.model_id is null then null else public.pricing_price_view(h.proposed_prices) end,
    'missing_model_ids', case when h.model_id is null then h.proposed_prices -> 'missing' end,
    'status', h.status, 'first_run_id', h.first_run_id, 'last_run_id', h.last_run_id,
    'first_held_at', h.first_held_at, 'last_seen_at', h.last_seen_at,
    'decided_by', h.decided_by, 'decided_at', h.decided_at, 'decided_run_id', h.decided_run_id,
    'note', h.note);
$$;

-- GET /admin/pricing/held: newest first, after p_before_id, filtered by status and provider.
create or replace function public.pricing_read_held(p_status text, p_provider text, p_before_id bigint, p_limit integer)
returns jsonb language sql stable security definer set search_path = ''
as $$
  select pg_catalog.jsonb_build_object('held', coalesce(pg_catalog.jsonb_agg(public.pricing_held_view(h) order by h.id desc), '[]'::jsonb))
    from (select * from public.pricing_held_changes h
           where (p_status is null or h.status = p_status)
             and (p_provider is null or h.provider = p_provider)
             and (p_before_id is null or h.id < p_before_id)
           order by h.id desc
           limit least(greatest(coalesce(p_limit, 100), 1), 1000)) h;
$$;

-- A sync's held changes as rows, for the run holding the lease (never a dry run). p_held: the
-- run's held changes, [{scope: 'model', reason, detail, model_id, row: {model_id, state, input, …}}]
-- or one [{scope: 'provider', reason, detail, missing: [ids]}]. p_complete: false when p_held was
-- cut short (then no pending row is withdrawn). p_keep: listed models the sync could not read
-- (their pending rows stay). p_pinned: [{model_id, row}] the provider's price of pinned models.
--   - the same proposal as a pending row: that row is seen again (last_run_id, last_seen_at);
--   - a different one: the pending row is superseded and a new one opened;
--   - a proposal an admin rejected before (same model, same prices) opens no row: it stays rejected;
--   - a pending model row the run no longer proposes is withdrawn, or, in a forced run that applied
--     exactly its proposal, approved by the forcing key; a provider-level row likewise when the run
--     held no provider.
create or replace function public.pricing_record_sync_holds(
  p_run_id bigint,
  p_provider text,
  p_held jsonb,
  p_complete boolean,
  p_keep text[],
  p_pinned jsonb
)
returns jsonb language plpgsql security definer set search_path = ''
as $$
declare
  v_run public.pricing_sync_runs%rowtype;
  v_now timestamptz := clock_timestamp();
  v_provider_hold jsonb;
  v_proposed jsonb;
  v_pending public.pricing_held_changes%rowtype;
  v_opened integer := 0;
  v_superseded integer := 0;
  v_withdrawn integer := 0;
  v_approved integer := 0;
  v_count integer;
begin
  perform public.pricing_assert_lease(p_run_id);
  select * into v_run from public.pricing_sync_runs where id = p_run_id;
  if jsonb_typeof(p_held) is distinct from 'array' then
    raise exception 'held must be a JSON array' using errcode = '22023';
  end if;

  select e.value into v_provider_hold from jsonb_array_elements(p_held) e
   where e.value ->> 'scope' = 'provider' limit 1;

  if v_provider_hold is not null then
    -- The whole provider is held: its model rows were not looked at this run and stay as they are.
    v_proposed := jsonb_build_object('missing', coalesce(v_provider_hold -> 'missing', '[]'::jsonb));
    select * into v_pending from public.pricing_held_changes
     where provider = p_provider and model_id is null and status = 'pending' for update;
    if found and v_pending.proposed_prices = v_proposed then
      update public.pricing_held_changes
         set last_run_id = p_run_id, last_seen_at = v_now, reason = v_provider_hold ->> 'reason',
             detail = v_provider_hold ->> 'detail'
       where id = v_pending.id;
    else
      if found then
        update public.pricing_held_changes set status = 'superseded', decided_at = v_now, decided_run_id = p_run_id
         where id = v_pending.id;
        v_superseded := 1;
      end if;
      if not exists (select 1 from public.pricing_held_changes
                      where provider = p_provider and model_id is null and status = 'rejected'
                        and proposed_prices = v_proposed) then
        insert into public.pricing_held_changes (provider, model_id, reason, detail, current_prices,
          proposed_prices, first_run_id, last_run_id, first_held_at, last_seen_at)
        values (p_provider, null, v_provider_hold ->> 'reason', v_provider_hold ->> 'detail', null,
                v_proposed, p_run_id, p_run_id, v_now, v_now);
        v_opened := 1;
      end if;
    end if;
  else
    update public.pricing_held_changes
       set status = case when v_run.forced then 'approved' else 'withdrawn' end,
           decided_by = case when v_run.forced then v_run.triggered_by end,
           decided_at = v_now, decided_run_id = p_run_id,
           note = case when v_run.forced then 'applied by a forced run' end
     where provider = p_provider and model_id is null and status = 'pending';
    get diagnostics v_count = row_count;
    if v_run.forced then v_approved := v_count; else v_withdrawn := v_count; end if;

    create temp table if not exists pg_temp.pricing_held_incoming (
      model_id text primary key,
      reason text not null,
      detail text,
      proposed jsonb not null
    ) on commit drop;
    truncate pg_temp.pricing_held_incoming;
    insert into pg_temp.pricing_held_incoming (model_id, reason, detail, proposed)
    select distinct on (e.value ->> 'model_id') e.value ->> 'model_id', e.value ->> 'reason',
           e.value ->> 'detail', public.pricing_row_prices(e.value -> 'row')
      from jsonb_array_elements(p_held) e
     where e.value ->> 'scope' = 'model' and e.value ->> 'model_id' is not null;

    -- No longer proposed: the feed went back to the stored price, or a change was applied.
    if coalesce(p_complete, true) then
      with gone as (
        update public.pricing_held_changes h
           set status = case when v_run.forced
                              and public.pricing_price_part(public.pricing_stored_prices(h.provider, h.model_id))
                                  = public.pricing_price_part(h.proposed_prices)
                             then 'approved' else 'withdrawn' end,
               decided_by = case when v_run.forced then v_run.triggered_by end,
               decided_at = v_now, decided_run_id = p_run_id
         where h.provider = p_provider and h.model_id is not null and h.status = 'pending'
           and not exists (select 1 from pg_temp.pricing_held_incoming i where i.model_id = h.model_id)
           and not (h.model_id = any(coalesce(p_keep, '{}')))
        returning h.status
      )
      select coalesce(sum(case when status = 'approved' then 1 else 0 end), 0),
             coalesce(sum(case when status = 'withdrawn' then 1 else 0 end), 0)
        into v_approved, v_withdrawn
        from gone;
      v_approved := v_approved + case when v_run.forced then v_count else 0 end;
      v_withdrawn := v_withdrawn + case when v_run.forced then 0 else v_count end;
    end if;

    -- A different proposal supersedes the pending one.
    update public.pricing_held_changes h
       set status = 'superseded', decided_at = v_now, decided_run_id = p_run_id
      from pg_temp.pricing_held_incoming i
     where h.provider = p_provider and h.model_id = i.model_id and h.status = 'pending'
       and public.pricing_price_part(h.proposed_prices) <> public.pricing_price_part(i.proposed);
    get diagnostics v_superseded = row_count;

    -- The same proposal: seen again.
    update public.pricing_held_changes h
       set last_run_id = p_run_id, last_seen_at = v_now, reason = i.reason, detail = i.detail,
           proposed_prices = i.proposed,
           current_prices = public.pricing_stored_prices(p_provider, i.model_id)
      from pg_temp.pricing_held_incoming i
     where h.provider = p_provider and h.model_id = i.model_id and h.status = 'pending';

    insert into public.pricing_held_changes (provider, model_id, reason, detail, current_prices,
      proposed_prices, first_run_id, last_run_id, first_held_at, last_seen_at)
    select p_provider, i.model_id, i.reason, i.detail, public.pricing_stored_prices(p_provider, i.model_id),
           i.proposed, p_run_id, p_run_id, v_now, v_now
      from pg_temp.pricing_held_incoming i
     where not exists (select 1 from public.pricing_held_changes h
                        where h.provider = p_provider and h.model_id = i.model_id and h.status = 'pending')
       and not exists (select 1 from public.pricing_held_changes h
                        where h.provider = p_provider and h.model_id = i.model_id and h.status = 'rejected'
                          and public.pricing_price_part(h.proposed_prices) = public.pricing_price_part(i.proposed));
    get diagnostics v_opened = row_count;
  end if;

  -- Pinned models: the provider's price, for drift.
  if jsonb_typeof(p_pinned) = 'array' then
    update public.pricing_pins p
       set drift_since = case
             when public.pricing_price_part(x.prices) = public.pricing_price_part(p.prices) then null
             when p.drift_since is not null
                  and public.pricing_price_part(x.prices) = public.pricing_price_part(p.provider_prices)
               then p.drift_since
             else v_now end,
           provider_prices = x.prices,
           provider_seen_at = v_now
      from (select e.value ->> 'model_id' as model_id, public.pricing_row_prices(e.value -> 'row') as prices
              from jsonb_array_elements(p_pinned) e) x
     where p.provider = p_provider and p.model_id = x.model_id;
  end if;

  update public.pricing_providers
     set held_count = (select count(*) from public.pricing_held_changes h
                        where h.provider = p_provider and h.status = 'pending')
   where provider = p_provider;

  return jsonb_build_object('opened', v_opened, 'superseded', v_superseded, 'withdrawn', v_withdrawn,
    'approved', v_approved,
    'pending', (select count(*) from public.pricing_held_changes h
                 where h.provider = p_provider and h.status = 'pending'));
end;
$$;

-- What a sync of one provider must know before it diffs: the pinned models (which it never
-- overwrites), the proposals an admin rejected (which it neither applies nor holds again) and the
-- rolled-back values (which it holds, reason rolled_back, instead of re-applying): models whose
-- latest history row is a rollback, with the value it reverted from.
-- With p_run_id (the run holding the lease; null for a dry run), expired pins are removed first.
-- Their stored price stays the pin's: the sync then diffs the provider's price against it like any
-- other change, so the guardrails hold a move over them (a dry run, which removes nothing, does
-- the same: an expired pin is not listed in `pins`).
create or replace function public.pricing_read_operator_state(p_run_id bigint, p_provider text)
returns jsonb language plpgsql security definer set search_path = ''
as $$
declare
  v_pin public.pricing_pins%rowtype;
  v_expired jsonb := '[]'::jsonb;
begin
  if p_run_id is not null then
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

-- POST /admin/pricing/held: approve or reject held changes, all or none, as one run.
-- Approve applies exactly the proposed prices recorded in each row (a provider-level row marks its
-- listed models missing); 409 when a model's stored price is no longer the row's `current`.
-- Reject keeps the stored price; the same proposal opens no row again.
create or replace function public.pricing_decide_held(p_action text, p_ids bigint[], p_decided_by text, p_note text)
returns jsonb language plpgsql security definer set search_path = ''
as $$
declare
  v_holder bigint;
  v_ids bigint[];
  v_unknown jsonb;
  v_not_pending jsonb;
  v_moved jsonb;
  v_pinned jsonb;
  v_run_id bigint;
  v_providers text[];
  v_row public.pricing_held_changes%rowtype;
  v_written integer := 0;
  v_now timestamptz := clock_timestamp();
  v_decided jsonb := '[]'::jsonb;
  v_results jsonb := '{}'::jsonb;
begin
  if p_action is null or p_action not in ('approve', 'reject') then
    return public.pricing_operator_refusal(400, 'action must be approve or reject', null);
  end if;
  select array_agg(distinct i) into v_ids from unnest(p_ids) i where i is not null;
  if v_ids is null or cardinality(v_ids) = 0 then
    return public.pricing_operator_refusal(400, 'ids must list at least one held change id', null);
  end if;

  v_holder := public.pricing_operator_holder();
  if v_holder is not null then return public.pricing_operator_busy(v_holder); end if;

  perform 1 from public.pricing_held_changes where id = any(v_ids) order by id for update;
  select jsonb_agg(i order by i) into v_unknown
    from unnest(v_ids) i where not exists (select 1 from public.pricing_held_changes h where h.id = i);
  if v_unknown is not null then
    return public.pricing_operator_refusal(404, 'no held change with id ' || (
      select string_agg(value::text, ', ') from jsonb_array_elements(v_unknown)), jsonb_build_object('unknown_ids', v_unknown));
  end if;
  select jsonb_agg(jsonb_build_object('id', h.id, 'status', h.status) order by h.id) into v_not_pending
    from public.pricing_held_changes h where h.id = any(v_ids) and h.status <> 'pending';
  if v_not_pending is not null then
    return public.pricing_operator_refusal(409, 'held change(s) no longer pending: ' || (
      select string_agg((e.value ->> 'id') || ' is ' || (e.value ->> 'status'), ', ')
        from jsonb_array_elements(v_not_pending) e), jsonb_build_object('not_pending', v_not_pending));
  end if;
  if p_action = 'approve' then
    select jsonb_agg(jsonb_build_object('id', h.id, 'provider', h.provider, 'model_id', h.model_id,
             'current', public.pricing_price_view(h.current_prices),
             'stored', public.pricing_price_view(public.pricing_stored_prices(h.provider, h.model_id))) order by h.id)
      into v_moved
      from public.pricing_held_changes h
     where h.id = any(v_ids) and h.model_id is not null
       and public.pricing_price_part(public.pricing_stored_prices(h.provider, h.model_id))
           is distinct from public.pricing_price_part(h.current_prices);
    if v_moved is not null then
      return public.pricing_operator_refusal(409,
        'the stored price changed since the change was held; nothing applied', jsonb_build_object('moved', v_moved));
    end if;
    select jsonb_agg(jsonb_build_object('id', h.id, 'provider', h.provider, 'model_id', h.model_id) order by h.id)
      into v_pinned
      from public.pricing_held_changes h join public.pricing_pins p on p.provider = h.provider and p.model_id = h.model_id
     where h.id = any(v_ids);
    if v_pinned is not null then
      return public.pricing_operator_refusal(409, 'a pinned model''s price is its pin: unpin it first',
        jsonb_build_object('pinned', v_pinned));
    end if;
  end if;

  select array_agg(distinct h.provider order by h.provider) into v_providers
    from public.pricing_held_changes h where h.id = any(v_ids);
  v_run_id := public.pricing_operator_start(p_action, p_decided_by, v_providers, null);

  for v_row in select * from public.pricing_held_changes where id = any(v_ids) order by id loop
    if p_action = 'approve' then
      if v_row.model_id is not null then
        if public.pricing_operator_write_model(v_run_id, v_row.provider, v_row.model_id, v_row.proposed_prices,
                                               'approved', false) then
          v_written := v_written + 1;
        end if;
      else
        declare
          v_model record;
        begin
          for v_model in
            select m.model_id from public.model_pricing m
             where m.provider = v_row.provider and m.state <> 'missing'
               and m.model_id in (select jsonb_array_elements_text(v_row.proposed_prices -> 'missing'))
               and not exists (select 1 from public.pricing_pins p
                                where p.provider = m.provider and p.model_id = m.model_id)
             order by m.model_id
          loop
            perform public.pricing_operator_write_model(v_run_id, v_row.provider, v_model.model_id,
              public.pricing_stored_prices(v_row.provider, v_model.model_id) || '{"state": "missing"}'::jsonb,
              'approved', false);
            v_written := v_written + 1;
          end loop;
        end;
      end if;
    end if;
    update public.pricing_held_changes
       set status = case when p_action = 'approve' then 'approved' else 'rejected' end,
           decided_by = p_decided_by, decided_at = v_now, decided_run_id = v_run_id, note = p_note
     where id = v_row.id;
    v_decided := v_decided || jsonb_build_object('id', v_row.id, 'provider', v_row.provider,
      'model_id', v_row.model_id, 'status', case when p_action = 'approve' then 'approved' else 'rejected' end);
    v_results := jsonb_set(v_results, array[v_row.provider],
      coalesce(v_results -> v_row.provider, jsonb_build_object('applied', true, 'held_ids', '[]'::jsonb))
        || jsonb_build_object('held_ids', coalesce(v_results -> v_row.provider -> 'held_ids', '[]'::jsonb) || to_jsonb(v_row.id)));
  end loop;

  perform public.pricing_operator_touch_providers(v_providers);
  perform public.pricing_finish_run(v_run_id, 'success',
    jsonb_build_object('action', p_action, 'note', p_note, 'models_written', v_written, 'providers', v_results), null);
  return jsonb_build_object('ok', true, 'run_id', v_run_id, 'action', p_action, 'decided', v_decided,
    'models_written', v_written);
end;
$$;

-- EXECUTE for the server key only: revoked from the roles Supabase grants it to by default.
revoke execute on function
  public.pricing_operator_holder,
  public.pricing_operator_busy,
  public.pricing_operator_refusal,
  public.pricing_operator_start,
  public.pricing_operator_write_model,
  public.pricing_operator_touch_providers,
  public.pricing_held_view,
  public.pricing_read_held,
  public.pricing_record_sync_holds,
  public.pricing_read_operator_state,
  public.pricing_decide_held
  from public, anon, authenticated;

grant execute on function
  public.pricing_read_held,
  public.pricing_record_sync_holds,
  public.pricing_read_operator_state,
  public.pricing_decide_held
  to service_role;
