-- A row's prices, said once: the composite public.pricing_prices, the history document, the API's
-- price view, and the version every write of a served price bumps.

-- The prices of a stored row. No SET clause and no security definer, so that the planner inlines
-- it (it runs once per model of a catalog); every name in it is qualified.
create or replace function public.pricing_prices_of(m public.model_pricing)
returns public.pricing_prices language sql immutable
as $$
  select row(m.state, m.input_price_per_1m_tokens, m.output_price_per_1m_tokens,
             m.cache_read_price_per_1m_tokens, m.cache_write_price_per_1m_tokens, m.request_price,
             m.image_price, m.extra_prices, m.pricing_tiers)::public.pricing_prices;
$$;

create or replace function public.pricing_prices_json(p public.pricing_prices, p_context_length integer, p_alias_of text)
returns jsonb language sql stable
as $$
  select pg_catalog.to_jsonb(row(
    p.state,
    pg_catalog.trim_scale(p.input)::text,
    pg_catalog.trim_scale(p.output)::text,
    pg_catalog.trim_scale(p.cache_read)::text,
    pg_catalog.trim_scale(p.cache_write)::text,
    pg_catalog.trim_scale(p.request)::text,
    pg_catalog.trim_scale(p.image)::text,
    p.extra,
    p.tiers,
    p_context_length,
    p_alias_of)::public.pricing_prices_doc);
$$;

-- The prices of a history-shaped document, without context length and alias: what "the same
-- value" means for holds, rejections, pins and approvals.
create or replace function public.pricing_price_part(p jsonb)
returns jsonb language sql immutable
as $$
  select p - 'context_length' - 'alias_of';
$$;

-- A history-shaped price document in the API's one price shape (the fields of GET /prices).
create or replace function public.pricing_price_view(p jsonb)
returns jsonb language sql immutable
as $$
  select case when p is null then null else pg_catalog.jsonb_build_object(
    'state', p ->> 'state',
    'input_price_per_1m_tokens', p ->> 'input_price_per_1m_tokens',
    'output_price_per_1m_tokens', p ->> 'output_price_per_1m_tokens',
    'cache_read_price_per_1m_tokens', p ->> 'cache_read_price_per_1m_tokens',
    'cache_write_price_per_1m_tokens', p ->> 'cache_write_price_per_1m_tokens',
    'request_price', p ->> 'request_price',
    'image_price', p ->> 'image_price',
    'extra', coalesce(p -> 'extra_prices', '{}'::jsonb),
    'tiers', coalesce(p -> 'pricing_tiers', '[]'::jsonb),
    'context_length', p -> 'context_length',
    'alias_of', p ->> 'alias_of') end;
$$;

-- A row as pricing_commit_provider reads it ({model_id, state, input, …, context_length, alias_of})
-- as a history-shaped document, numbers in their canonical text.
create or replace function public.pricing_row_prices(r jsonb)
returns jsonb language sql stable
as $$
  select public.pricing_prices_json(
    row(r ->> 'state', (r ->> 'input')::numeric, (r ->> 'output')::numeric,
        (r ->> 'cache_read')::numeric, (r ->> 'cache_write')::numeric, (r ->> 'request')::numeric,
        (r ->> 'image')::numeric, coalesce(r -> 'extra', '{}'::jsonb),
        coalesce(r -> 'tiers', '[]'::jsonb))::public.pricing_prices,
    (r ->> 'context_length')::integer, r ->> 'alias_of');
$$;

-- The stored prices of a model in history shape, or null when it is not stored.
create or replace function public.pricing_stored_prices(p_provider text, p_model_id text)
returns jsonb language sql stable security definer set search_path = ''
as $$
  select public.pricing_prices_json(public.pricing_prices_of(m), m.context_length, m.alias_of)
    from public.model_pricing m where m.provider = p_provider and m.model_id = p_model_id;
$$;

-- Bumps the version once per statement that really changed rows. An apply that writes nothing (the
-- upsert's WHERE filters every row) fires the trigger with an empty transition table and leaves
-- the version alone, so an unchanged table keeps answering 304.
create or replace function public.pricing_bump_price_version()
returns trigger language plpgsql security definer set search_path = pg_catalog, pg_temp
as $$
begin
  if exists (select 1 from changed_rows) then
    update public.pricing_price_version
       set version = version + 1, bumped_at = clock_timestamp()
     where id = 1;
  end if;
  return null;
end;
$$;

-- Transition tables allow one event per trigger: three triggers per table, for every table whose
-- rows a reader of /prices or the LiteLLM map sees (a pin changes what /prices shows as `pinned`).
create or replace trigger pricing_price_version_insert after insert on public.model_pricing
  referencing new table as changed_rows for each statement execute function public.pricing_bump_price_version();
create or replace trigger pricing_price_version_update after update on public.model_pricing
  referencing new table as changed_rows for each statement execute function public.pricing_bump_price_version();
create or replace trigger pricing_price_version_delete after delete on public.model_pricing
  referencing old table as changed_rows for each statement execute function public.pricing_bump_price_version();
create or replace trigger pricing_price_version_insert after insert on public.pricing_litellm_entries
  referencing new table as changed_rows for each statement execute function public.pricing_bump_price_version();
create or replace trigger pricing_price_version_update after update on public.pricing_litellm_entries
  referencing new table as changed_rows for each statement execute function public.pricing_bump_price_version();
create or replace trigger pricing_price_version_delete after delete on public.pricing_litellm_entries
  referencing old table as changed_rows for each statement execute function public.pricing_bump_price_version();
create or replace trigger pricing_price_version_insert after insert on public.pricing_pins
  referencing new table as changed_rows for each statement execute function public.pricing_bump_price_version();
create or replace trigger pricing_price_version_update after update on public.pricing_pins
  referencing new table as changed_rows for each statement execute function public.pricing_bump_price_version();
create or replace trigger pricing_price_version_delete after delete on public.pricing_pins
  referencing old table as changed_rows for each statement execute function public.pricing_bump_price_version();

-- EXECUTE for the server key only: revoked from the roles Supabase grants it to by default.
revoke execute on function
  public.pricing_prices_of,
  public.pricing_prices_json,
  public.pricing_price_part,
  public.pricing_price_view,
  public.pricing_row_prices,
  public.pricing_stored_prices,
  public.pricing_bump_price_version
  from public, anon, authenticated;
