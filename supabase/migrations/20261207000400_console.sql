-- The operator console's reads: a run's detail, a rollback's preview, model search, one model's
-- held changes. New functions only; none of the existing ones is redefined.

-- GET /admin/pricing/runs?run_id=N: the run (its per-provider results included) and the history
-- rows it wrote (at most p_limit, in id order), with their count. 404 for an unknown run.
create or replace function public.pricing_read_run(p_run_id bigint, p_limit integer)
returns jsonb language plpgsql stable security definer set search_path = ''
as $$
declare
  v_run public.pricing_sync_runs%rowtype;
  v_changes jsonb;
  v_count integer;
begin
  select * into v_run from public.pricing_sync_runs where id = p_run_id;
  if not found then
    return public.pricing_operator_refusal(404, 'no run ' || p_run_id, null);
  end if;
  select coalesce(jsonb_agg(c.item order by c.id), '[]'::jsonb) into v_changes
    from (select h.id, jsonb_build_object('id', h.id, 'provider', h.provider, 'model_id', h.model_id,
                   'kind', h.kind, 'run_id', h.run_id, 'effective_at', h.effective_at,
                   'old', public.pricing_price_view(h.old_prices),
                   'new', public.pricing_price_view(h.new_prices)) as item
            from public.model_pricing_history h
           where h.run_id = p_run_id
           order by h.id
           limit least(greatest(coalesce(p_limit, 500), 1), 1000)) c;
  select count(*) into v_count from public.model_pricing_history h where h.run_id = p_run_id;
  return jsonb_build_object('ok', true, 'run', to_jsonb(v_run), 'changes', v_changes, 'change_count', v_count);
end;
$$;

-- POST /admin/pricing/runs {action: rollback, dry_run: true}: what the rollback would do, writing
-- nothing. It runs pricing_rollback_run itself in a subtransaction and undoes it, so the preview
-- and the rollback cannot disagree: the same refusals (400, 404, 409 busy, 409 conflicts, 409
-- rolled_back_by), or per model the price it has now (`from`) and the one it would get back
-- (`to`). Only the run id sequence moves (a rollback after a preview skips an id).
create or replace function public.pricing_preview_rollback(p_run_id bigint, p_force boolean, p_limit integer)
returns jsonb language plpgsql security definer set search_path = ''
as $$
declare
  v_result jsonb;
  v_restores jsonb;
begin
  begin
    v_result := public.pricing_rollback_run(p_run_id, p_force, 'preview');
    if (v_result ->> 'ok')::boolean then
      select coalesce(jsonb_agg(r.item order by r.provider, r.model_id), '[]'::jsonb) into v_restores
        from (select h.provider, h.model_id,
                     jsonb_build_object('provider', h.provider, 'model_id', h.model_id,
                       'from', public.pricing_price_view(h.old_prices),
                       'to', public.pricing_price_view(h.new_prices)) as item
                from public.model_pricing_history h
               where h.run_id = (v_result ->> 'run_id')::bigint
               order by h.provider, h.model_id
               limit least(greatest(coalesce(p_limit, 500), 1), 1000)) r;
    end if;
    raise exception using errcode = 'PRB98', message = 'rollback preview: undone';
  exception
    when sqlstate 'PRB98' then null;
  end;
  if not (v_result ->> 'ok')::boolean then return v_result; end if;
  return jsonb_build_object('ok', true, 'dry_run', true, 'rollback_of', p_run_id,
    'models_reverted', v_result -> 'models_reverted', 'providers', v_result -> 'providers',
    'skipped_pinned', v_result -> 'skipped_pinned', 'forced_over', v_result -> 'forced_over',
    'restores', v_restores);
end;
$$;

-- GET /admin/pricing/prices?q=…: stored models whose id contains p_q (case-insensitive), with
-- their current prices, in (provider, model_id) order after the cursor.
create or replace function public.pricing_search_models(
  p_providers text[],
  p_q text,
  p_after_provider text,
  p_after_model_id text,
  p_limit integer
)
returns jsonb language plpgsql stable security definer set search_path = ''
as $$
declare
  v_limit integer := least(greatest(coalesce(p_limit, 100), 1), 1000);
  v_rows jsonb;
  v_count integer;
begin
  select coalesce(jsonb_agg(page.item order by page.provider, page.model_id), '[]'::jsonb), count(*)
    into v_rows, v_count
    from (
      select m.provider, m.model_id,
             jsonb_build_object('provider', m.provider, 'model_id', m.model_id)
               || public.pricing_price_view(public.pricing_stored_prices(m.provider, m.model_id)) as item
        from public.model_pricing m
       where (p_providers is null or m.provider = any(p_providers))
         and pg_catalog.strpos(pg_catalog.lower(m.model_id), pg_catalog.lower(coalesce(p_q, ''))) > 0
         and (p_after_provider is null or (m.provider, m.model_id) > (p_after_provider, p_after_model_id))
       order by m.provider, m.model_id
       limit v_limit + 1
    ) page;
  if v_count > v_limit then
    v_rows := v_rows - v_limit;
    return jsonb_build_object('prices', v_rows,
      'next', jsonb_build_array(v_rows -> (v_limit - 1) ->> 'provider', v_rows -> (v_limit - 1) ->> 'model_id'));
  end if;
  return jsonb_build_object('prices', v_rows, 'next', null);
end;
$$;

-- GET /admin/pricing/held?model_id=…: one model's held changes, newest first, any status unless
-- p_status names one.
create or replace function public.pricing_read_model_held(
  p_provider text,
  p_model_id text,
  p_status text,
  p_before_id bigint,
  p_limit integer
)
returns jsonb language sql stable security definer set search_path = ''
as $$
  select pg_catalog.jsonb_build_object('held', coalesce(pg_catalog.jsonb_agg(public.pricing_held_view(h) order by h.id desc), '[]'::jsonb))
    from (select * from public.pricing_held_changes h
           where h.model_id = p_model_id
             and (p_provider is null or h.provider = p_provider)
             and (p_status is null or h.status = p_status)
             and (p_before_id is null or h.id < p_before_id)
           order by h.id desc
           limit least(greatest(coalesce(p_limit, 100), 1), 1000)) h;
$$;

-- EXECUTE for the server key only: revoked from the roles Supabase grants it to by default.
revoke execute on function
  public.pricing_read_run,
  public.pricing_preview_rollback,
  public.pricing_search_models,
  public.pricing_read_model_held
  from public, anon, authenticated;

grant execute on function
  public.pricing_read_run,
  public.pricing_preview_rollback,
  public.pricing_search_models,
  public.pricing_read_model_held
  to service_role;
