-- Prices at a time (issue 13): the prices in force at an instant, from the effective-dated
-- history, and one model's change list. New objects only.

-- GET /admin/pricing/prices: for each stored model (one page in (provider, model_id) order after
-- the cursor), its latest history row effective at or before p_at (now when null). A model with no
-- history row by then did not exist yet and is left out. One index probe per model.
create function public.pricing_read_prices_at(
  p_providers text[],
  p_model_id text,
  p_at timestamptz,
  p_after_provider text,
  p_after_model_id text,
  p_limit integer
)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_at timestamptz := coalesce(p_at, clock_timestamp());
  v_limit integer := least(greatest(coalesce(p_limit, 1000), 1), 5000);
  v_rows jsonb;
  v_count integer;
begin
  select coalesce(jsonb_agg(page.item order by page.provider, page.model_id), '[]'::jsonb), count(*)
    into v_rows, v_count
    from (
      select m.provider, m.model_id,
             jsonb_build_object('provider', m.provider, 'model_id', m.model_id)
               || public.pricing_price_view(h.new_prices)
               || jsonb_build_object('effective_at', h.effective_at, 'run_id', h.run_id, 'kind', h.kind) as item
        from public.model_pricing m
        cross join lateral (
          select x.new_prices, x.effective_at, x.run_id, x.kind
            from public.model_pricing_history x
           where x.provider = m.provider and x.model_id = m.model_id and x.effective_at <= v_at
           order by x.effective_at desc, x.id desc
           limit 1) h
       where (p_providers is null or m.provider = any(p_providers))
         and (p_model_id is null or m.model_id = p_model_id)
         and (p_after_provider is null or (m.provider, m.model_id) > (p_after_provider, p_after_model_id))
       order by m.provider, m.model_id
       limit v_limit + 1
    ) page;
  if v_count > v_limit then
    v_rows := v_rows - v_limit;
    return jsonb_build_object('at', v_at, 'prices', v_rows,
      'next', jsonb_build_array(v_rows -> (v_limit - 1) ->> 'provider', v_rows -> (v_limit - 1) ->> 'model_id'));
  end if;
  return jsonb_build_object('at', v_at, 'prices', v_rows, 'next', null);
end;
$$;

-- One model's changes, newest first, before history id p_before_id.
create function public.pricing_read_price_history(
  p_provider text,
  p_model_id text,
  p_before_id bigint,
  p_limit integer
)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_limit integer := least(greatest(coalesce(p_limit, 100), 1), 1000);
  v_rows jsonb;
  v_count integer;
begin
  select coalesce(jsonb_agg(page.item order by page.id desc), '[]'::jsonb), count(*) into v_rows, v_count
    from (
      select h.id, jsonb_build_object('id', h.id, 'provider', h.provider, 'model_id', h.model_id,
               'kind', h.kind, 'run_id', h.run_id, 'effective_at', h.effective_at,
               'old', public.pricing_price_view(h.old_prices), 'new', public.pricing_price_view(h.new_prices)) as item
        from public.model_pricing_history h
       where h.model_id = p_model_id
         and (p_provider is null or h.provider = p_provider)
         and (p_before_id is null or h.id < p_before_id)
       order by h.id desc
       limit v_limit + 1
    ) page;
  if v_count > v_limit then
    v_rows := v_rows - v_limit;
    return jsonb_build_object('history', v_rows, 'next_before_id', (v_rows -> (v_limit - 1) ->> 'id')::bigint);
  end if;
  return jsonb_build_object('history', v_rows, 'next_before_id', null);
end;
$$;

revoke execute on function
  public.pricing_read_prices_at(text[], text, timestamptz, text, text, integer),
  public.pricing_read_price_history(text, text, bigint, integer)
  from public, anon, authenticated;
grant execute on function
  public.pricing_read_prices_at(text[], text, timestamptz, text, text, integer),
  public.pricing_read_price_history(text, text, bigint, integer)
  to service_role;
