-- Pins: an operator's price for a model.

-- A pin as the API shows it: drift is null while the provider's latest price equals the pin.
create or replace function public.pricing_pin_view(p public.pricing_pins)
returns jsonb language sql stable
as $$
  select pg_catalog.jsonb_build_object(
    'provider', p.provider, 'model_id', p.model_id, 'prices', public.pricing_price_view(p.prices),
    'reason', p.reason, 'pinned_by', p.pinned_by, 'pinned_at', p.pinned_at, 'expires_at', p.expires_at,
    'run_id', p.run_id,
    'drift', case when p.drift_since is null then null else pg_catalog.jsonb_build_object(
      'provider_prices', public.pricing_price_view(p.provider_prices), 'since', p.drift_since,
      'seen_at', p.provider_seen_at) end);
$$;

-- GET /admin/pricing/pins
create or replace function public.pricing_read_pins(p_provider text)
returns jsonb language sql stable security definer set search_path = ''
as $$
  select pg_catalog.jsonb_build_object('pins',
    coalesce(pg_catalog.jsonb_agg(public.pricing_pin_view(p) order by p.provider, p.model_id), '[]'::jsonb))
    from public.pricing_pins p where p_provider is null or p.provider = p_provider;
$$;

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
returns jsonb language plpgsql security definer set search_path = ''
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
returns jsonb language plpgsql security definer set search_path = ''
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

-- EXECUTE for the server key only: revoked from the roles Supabase grants it to by default.
revoke execute on function
  public.pricing_pin_view,
  public.pricing_read_pins,
  public.pricing_set_pin,
  public.pricing_remove_pin
  from public, anon, authenticated;

grant execute on function
  public.pricing_read_pins,
  public.pricing_set_pin,
  public.pricing_remove_pin
  to service_role;
