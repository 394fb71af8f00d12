-- Runs: paging through them, and rolling one back.

-- GET /admin/pricing/runs: newest first, before p_before (a run id), with per-provider results.
create or replace function public.pricing_read_runs(p_before bigint, p_limit integer)
returns jsonb language sql stable security definer set search_path = ''
as $$
  select pg_catalog.jsonb_build_object('runs', coalesce(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(r) order by r.id desc), '[]'::jsonb))
    from (select * from public.pricing_sync_runs
           where p_before is null or id < p_before
           order by id desc
           limit least(greatest(coalesce(p_limit, 20), 1), 200)) r;
$$;

-- POST /admin/pricing/runs {action: rollback}: reverts every change run p_run_id applied, as a new
-- run (trigger rollback, rollback_of = p_run_id) in one transaction: prices back to the history's
-- old values, models it marked missing restored, models it added marked missing. Refusals: 404 an
-- unknown run, 400 a dry run, a run still running, a run that applied nothing or a pin run (use
-- DELETE /admin/pricing/pins); 400 when rolling back would change no price (every model it changed
-- already has its earlier price, or is pinned), forced or not; 409 naming the run's latest rollback
-- while that rollback is in force (no later run changed a model it reverted), unless p_force; 409
-- when a later run changed one of the same models (listed), unless p_force. A refusal records
-- nothing: the writes are made in a subtransaction and undone when nothing changed or when
-- conflicts refuse. Pinned models are left at their pin and listed as skipped. The value reverted
-- from is what the next sync holds (reason rolled_back) if the feed still proposes it.
create or replace function public.pricing_rollback_run(p_run_id bigint, p_force boolean, p_triggered_by text)
returns jsonb language plpgsql security definer set search_path = ''
as $$
declare
  v_holder bigint;
  v_target public.pricing_sync_runs%rowtype;
  v_conflicts jsonb;
  v_conflict_count integer;
  v_skipped jsonb;
  v_providers text[];
  v_run_id bigint;
  v_change record;
  v_reverted integer := 0;
  v_results jsonb := '{}'::jsonb;
  v_rollback bigint;
  v_rollback_in_force boolean := false;
begin
  if p_run_id is null then
    return public.pricing_operator_refusal(400, 'run_id must be a run id', null);
  end if;
  v_holder := public.pricing_operator_holder();
  if v_holder is not null then return public.pricing_operator_busy(v_holder); end if;

  select * into v_target from public.pricing_sync_runs where id = p_run_id;
  if not found then
    return public.pricing_operator_refusal(404, 'no run ' || p_run_id, null);
  end if;
  if v_target.dry_run then
    return public.pricing_operator_refusal(400, 'run ' || p_run_id || ' was a dry run: it applied nothing', null);
  end if;
  if v_target.status = 'running' then
    return public.pricing_operator_refusal(400, 'run ' || p_run_id || ' is still running', null);
  end if;
  if v_target.trigger = 'pin' then
    return public.pricing_operator_refusal(400,
      'run ' || p_run_id || ' set or removed a pin: use PUT or DELETE /admin/pricing/pins', null);
  end if;

  -- Per model, the first row the run wrote holds the price before it.
  create temp table if not exists pg_temp.pricing_rollback_changes (
    provider text not null,
    model_id text not null,
    last_id bigint not null,
    old_prices jsonb,
    new_prices jsonb not null,
    primary key (provider, model_id)
  ) on commit drop;
  truncate pg_temp.pricing_rollback_changes;
  insert into pg_temp.pricing_rollback_changes (provider, model_id, last_id, old_prices, new_prices)
  select f.provider, f.model_id, l.last_id, f.old_prices, f.new_prices
    from (select distinct on (h.provider, h.model_id) h.provider, h.model_id, h.old_prices, h.new_prices
            from public.model_pricing_history h where h.run_id = p_run_id
           order by h.provider, h.model_id, h.id) f
    join (select h.provider, h.model_id, max(h.id) as last_id
            from public.model_pricing_history h where h.run_id = p_run_id
           group by h.provider, h.model_id) l using (provider, model_id);
  if not exists (select 1 from pg_temp.pricing_rollback_changes) then
    return public.pricing_operator_refusal(400, 'run ' || p_run_id || ' applied no change: nothing to roll back', null);
  end if;

  -- The run's latest rollback that wrote anything; in force while every model it wrote still has
  -- that rollback's row as its latest history row.
  select r.id into v_rollback
    from public.pricing_sync_runs r
   where r.rollback_of = p_run_id and r.trigger = 'rollback'
     and exists (select 1 from public.model_pricing_history h where h.run_id = r.id)
   order by r.id desc
   limit 1;
  if v_rollback is not null then
    v_rollback_in_force := not exists (
      select 1 from public.model_pricing_history h
       where h.run_id = v_rollback
         and exists (select 1 from public.model_pricing_history l
                      where l.provider = h.provider and l.model_id = h.model_id and l.id > h.id));
  end if;
  if v_rollback_in_force and not coalesce(p_force, false) then
    return public.pricing_operator_refusal(409,
      'run ' || p_run_id || ' is already rolled back by run ' || v_rollback
        || ', which is still in force; to re-apply run ' || p_run_id || ', roll back run ' || v_rollback,
      jsonb_build_object('rolled_back_by', v_rollback));
  end if;

  select jsonb_agg(x.item order by x.provider, x.model_id), count(*) into v_conflicts, v_conflict_count
    from (select c.provider, c.model_id,
                 jsonb_build_object('provider', c.provider, 'model_id', c.model_id,
                   'run_ids', (select jsonb_agg(distinct h.run_id) from public.model_pricing_history h
                                where h.provider = c.provider and h.model_id = c.model_id and h.id > c.last_id)) as item
            from pg_temp.pricing_rollback_changes c
           where exists (select 1 from public.model_pricing_history h
                          where h.provider = c.provider and h.model_id = c.model_id and h.id > c.last_id)
           order by c.provider, c.model_id) x;
  select jsonb_agg(jsonb_build_object('provider', c.provider, 'model_id', c.model_id) order by c.provider, c.model_id)
    into v_skipped
    from pg_temp.pricing_rollback_changes c
    join public.pricing_pins p on p.provider = c.provider and p.model_id = c.model_id;

  select array_agg(distinct c.provider order by c.provider) into v_providers from pg_temp.pricing_rollback_changes c;

  begin
    v_run_id := public.pricing_operator_start('rollback', p_triggered_by, v_providers, p_run_id);

    for v_change in
      select c.* from pg_temp.pricing_rollback_changes c
       where not exists (select 1 from public.pricing_pins p where p.provider = c.provider and p.model_id = c.model_id)
       order by c.provider, c.model_id
    loop
      if public.pricing_operator_write_model(v_run_id, v_change.provider, v_change.model_id,
           coalesce(v_change.old_prices,
                    -- Added by the run: marked missing, its prices kept.
                    public.pricing_stored_prices(v_change.provider, v_change.model_id) || '{"state": "missing"}'::jsonb),
           'rolled_back', false) then
        v_reverted := v_reverted + 1;
        v_results := jsonb_set(v_results, array[v_change.provider], jsonb_build_object('applied', true,
          'reverted', coalesce((v_results -> v_change.provider ->> 'reverted')::integer, 0) + 1));
      end if;
    end loop;

    -- Both refusals undo the run and its writes (raising ends the subtransaction).
    if v_reverted = 0 then
      raise exception using errcode = 'PRB00', message = 'rollback changes no price';
    end if;
    if v_conflicts is not null and not coalesce(p_force, false) then
      raise exception using errcode = 'PRB09', message = 'rollback conflicts with a later run';
    end if;
  exception
    when sqlstate 'PRB00' then
      return public.pricing_operator_refusal(400,
        'rolling back run ' || p_run_id || ' would change no price: '
          || case when v_rollback_in_force
                  then 'run ' || v_rollback || ' already rolled it back and is still in force'
                  else 'every model it changed already has its earlier price, or is pinned' end,
        jsonb_build_object('skipped_pinned', coalesce(v_skipped, '[]'::jsonb))
          || case when v_rollback_in_force then jsonb_build_object('rolled_back_by', v_rollback)
                  else '{}'::jsonb end);
    when sqlstate 'PRB09' then
      return public.pricing_operator_refusal(409,
        v_conflict_count || ' model(s) changed by a later run; roll back with force: true to revert them anyway',
        jsonb_build_object('conflicts', (select jsonb_agg(e.value) from (
           select value from jsonb_array_elements(v_conflicts) limit 100) e), 'conflict_count', v_conflict_count));
  end;

  perform public.pricing_operator_touch_providers(v_providers);
  perform public.pricing_finish_run(v_run_id, 'success',
    jsonb_build_object('action', 'rollback', 'rollback_of', p_run_id, 'models_reverted', v_reverted,
                       'skipped_pinned', coalesce(v_skipped, '[]'::jsonb), 'providers', v_results), null);
  return jsonb_build_object('ok', true, 'run_id', v_run_id, 'rollback_of', p_run_id,
    'models_reverted', v_reverted, 'providers', coalesce(v_providers, '{}'),
    'skipped_pinned', coalesce(v_skipped, '[]'::jsonb),
    'forced_over', coalesce(v_conflict_count, 0));
end;
$$;

-- EXECUTE for the server key only: revoked from the roles Supabase grants it to by default.
revoke execute on function
  public.pricing_read_runs,
  public.pricing_rollback_run
  from public, anon, authenticated;

grant execute on function
  public.pricing_read_runs,
  public.pricing_rollback_run
  to service_role;
