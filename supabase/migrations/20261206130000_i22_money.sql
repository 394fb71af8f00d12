-- Issue 22, money: a pin never drops a price by omission, and a pin's end goes through the
-- guardrails. Restates pricing_set_pin, pricing_remove_pin and pricing_read_operator_state whole.

-- PUT /admin/pricing/pins: pins a stored model's price, as a run (trigger pin). p_prices names all
-- six base prices (input, output, cache_read, cache_write, request, image; each a decimal string or
-- null): a price left out is refused (400), never stored as none. `extra` and `tiers` left out keep
-- the model's current ones; given (even empty) they replace them. Context length and alias stay. A
-- re-pin replaces the pin and keeps the provider's price seen so far. The model's pending held
-- change is withdrawn: its price is the pin now.
create or replace function public.pricing_set_pin(
  p_provider text,
  p_model_id text,
  p_prices jsonb,
  p_reason text,
  p_expires_at timestamptz,
  p_pinned_by text
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_holder bigint;
  v_stored jsonb;
  v_pin jsonb;
  v_missing text;
  v_existing public.pricing_pins%rowtype;
  v_provider_prices jsonb;
  v_run_id bigint;
  v_now timestamptz := clock_timestamp();
  v_row public.pricing_pins%rowtype;
begin
  if p_expires_at is not null and p_expires_at <= v_now then
    return public.pricing_operator_refusal(400, 'expires_at must be in the future', null);
  end if;
  if jsonb_typeof(p_prices) is distinct from 'object' then
    return public.pricing_operator_refusal(400, 'prices must be a JSON object', null);
  end if;
  select string_agg(k, ', ' order by n) into v_missing
    from unnest(array['input', 'output', 'cache_read', 'cache_write', 'request', 'image']) with ordinality as f(k, n)
   where not p_prices ? k;
  if v_missing is not null then
    return public.pricing_operator_refusal(400,
      'prices must name every base price, a decimal string or null: missing ' || v_missing, null);
  end if;
  v_holder := public.pricing_operator_holder();
  if v_holder is not null then return public.pricing_operator_busy(v_holder); end if;

  v_stored := public.pricing_stored_prices(p_provider, p_model_id);
  if v_stored is null then
    return public.pricing_operator_refusal(404, 'no stored model ' || p_model_id || ' of provider ' || p_provider, null);
  end if;
  v_pin := public.pricing_row_prices(p_prices || jsonb_build_object('state', 'active',
    'context_length', v_stored -> 'context_length', 'alias_of', v_stored -> 'alias_of',
    'extra', case when p_prices ? 'extra' then p_prices -> 'extra' else v_stored -> 'extra_prices' end,
    'tiers', case when p_prices ? 'tiers' then p_prices -> 'tiers' else v_stored -> 'pricing_tiers' end));

  select * into v_existing from public.pricing_pins
   where provider = p_provider and model_id = p_model_id for update;
  v_provider_prices := case when found then v_existing.provider_prices else v_stored end;

  v_run_id := public.pricing_operator_start('pin', p_pinned_by, array[p_provider], null);
  perform public.pricing_operator_write_model(v_run_id, p_provider, p_model_id, v_pin, 'pinned', true);
  insert into public.pricing_pins as p (provider, model_id, prices, reason, pinned_by, pinned_at, expires_at,
    run_id, provider_prices, provider_seen_at, drift_since)
  values (p_provider, p_model_id, v_pin, p_reason, p_pinned_by, v_now, p_expires_at, v_run_id,
    v_provider_prices, case when v_existing.model_id is not null then v_existing.provider_seen_at else v_now end,
    case when public.pricing_price_part(v_provider_prices) = public.pricing_price_part(v_pin) then null
         else coalesce(v_existing.drift_since, v_now) end)
  on conflict (provider, model_id) do update set
    prices = excluded.prices, reason = excluded.reason, pinned_by = excluded.pinned_by,
    pinned_at = excluded.pinned_at, expires_at = excluded.expires_at, run_id = excluded.run_id,
    provider_prices = excluded.provider_prices, provider_seen_at = excluded.provider_seen_at,
    drift_since = excluded.drift_since
  returning * into v_row;

  update public.pricing_held_changes
     set status = 'withdrawn', decided_by = p_pinned_by, decided_at = v_now, decided_run_id = v_run_id,
         note = 'pinned'
   where provider = p_provider and model_id = p_model_id and status = 'pending';

  perform public.pricing_operator_touch_providers(array[p_provider]);
  perform public.pricing_finish_run(v_run_id, 'success', jsonb_build_object('action', 'pin',
    'providers', jsonb_build_object(p_provider, jsonb_build_object('applied', true, 'pinned', jsonb_build_array(p_model_id)))), null);
  return jsonb_build_object('ok', true, 'run_id', v_run_id, 'pin', public.pricing_pin_view(v_row));
end;
$$;

-- DELETE /admin/pricing/pins: removes a pin, as a run with trigger pin. The stored price stays the
-- pin's: the move to the provider's price is a change like any other, made by the next sync of the
-- provider through the guardrails (held over them, applied otherwise, counted and listed in that
-- run's report). The provider's catalog_hash is cleared, so that sync diffs.
create or replace function public.pricing_remove_pin(p_provider text, p_model_id text, p_removed_by text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_holder bigint;
  v_pin public.pricing_pins%rowtype;
  v_run_id bigint;
begin
  v_holder := public.pricing_operator_holder();
  if v_holder is not null then return public.pricing_operator_busy(v_holder); end if;
  select * into v_pin from public.pricing_pins where provider = p_provider and model_id = p_model_id for update;
  if not found then
    return public.pricing_operator_refusal(404, 'no pin on ' || p_model_id || ' of provider ' || p_provider, null);
  end if;
  v_run_id := public.pricing_operator_start('pin', p_removed_by, array[p_provider], null);
  delete from public.pricing_pins where provider = p_provider and model_id = p_model_id;
  perform public.pricing_operator_touch_providers(array[p_provider]);
  perform public.pricing_finish_run(v_run_id, 'success', jsonb_build_object('action', 'unpin',
    'providers', jsonb_build_object(p_provider, jsonb_build_object('applied', true, 'unpinned', jsonb_build_array(p_model_id)))), null);
  return jsonb_build_object('ok', true, 'run_id', v_run_id, 'provider', p_provider, 'model_id', p_model_id,
    'prices', public.pricing_price_view(public.pricing_stored_prices(p_provider, p_model_id)),
    'provider_prices', public.pricing_price_view(v_pin.provider_prices));
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
returns jsonb
language plpgsql
security definer
set search_path = ''
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

revoke execute on function
  public.pricing_set_pin(text, text, jsonb, text, timestamptz, text),
  public.pricing_remove_pin(text, text, text),
  public.pricing_read_operator_state(bigint, text)
  from public, anon, authenticated;
grant execute on function
  public.pricing_set_pin(text, text, jsonb, text, timestamptz, text),
  public.pricing_remove_pin(text, text, text),
  public.pricing_read_operator_state(bigint, text)
  to service_role;

-- The LiteLLM cost map's ingredients in one round trip: the stored LiteLLM entries of models still
-- listed (not 'missing'), and the active prices of every provider, compact:
-- [provider, model_id, input, output, cache_read, cache_write, request, image, context_length,
-- extra_prices, pricing_tiers]. The map's cost keys of a model whose price is not its feed entry's
-- (held, rejected, pinned, rolled back) come from these alone, tiers included.
-- variable, unpriced and missing models carry no usable price and are left out.
create or replace function public.pricing_read_litellm_map(p_known_version bigint)
returns json
language plpgsql
stable
security definer
set search_path = ''
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

revoke execute on function public.pricing_read_litellm_map(bigint) from public, anon, authenticated;
grant execute on function public.pricing_read_litellm_map(bigint) to service_role;
