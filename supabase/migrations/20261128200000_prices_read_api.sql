-- pricing-sync: the read side for gateways and LiteLLM (GET /prices and the LiteLLM cost map).
-- New objects only: no existing function is restated here.

-- A version of the prices in force. Every transaction that writes a row of model_pricing (a sync's
-- apply, and later approvals, pins and rollbacks) bumps it, so an ETag built from it changes
-- whenever a reader could see something new and never otherwise.
create table public.pricing_price_version (
  id integer primary key check (id = 1),
  version bigint not null default 0,
  bumped_at timestamptz not null default now()
);
insert into public.pricing_price_version (id) values (1);

-- The LiteLLM cost map's entries as our `litellm` provider last applied them (the whole entry as
-- published, so keys we do not override, mode, max_output_tokens, supports_*, pass through).
-- Entries of a model whose change is held keep their previous value.
create table public.pricing_litellm_entries (
  model_id text primary key,
  entry jsonb not null check (jsonb_typeof(entry) = 'object'),
  updated_at timestamptz not null default now()
);

alter table public.pricing_price_version enable row level security;
alter table public.pricing_litellm_entries enable row level security;
revoke all on public.pricing_price_version, public.pricing_litellm_entries from anon, authenticated;

-- Bumps the version once per statement that really changed rows. An apply that writes nothing (the
-- upsert's WHERE filters every row) fires the trigger with an empty transition table and leaves
-- the version alone, so an unchanged table keeps answering 304.
create function public.pricing_bump_price_version()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
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

-- Transition tables allow one event per trigger: three triggers per table. A later pricing_pins
-- table gets the same three.
create trigger pricing_price_version_insert after insert on public.model_pricing
  referencing new table as changed_rows for each statement execute function public.pricing_bump_price_version();
create trigger pricing_price_version_update after update on public.model_pricing
  referencing new table as changed_rows for each statement execute function public.pricing_bump_price_version();
create trigger pricing_price_version_delete after delete on public.model_pricing
  referencing old table as changed_rows for each statement execute function public.pricing_bump_price_version();
create trigger pricing_price_version_insert after insert on public.pricing_litellm_entries
  referencing new table as changed_rows for each statement execute function public.pricing_bump_price_version();
create trigger pricing_price_version_update after update on public.pricing_litellm_entries
  referencing new table as changed_rows for each statement execute function public.pricing_bump_price_version();
create trigger pricing_price_version_delete after delete on public.pricing_litellm_entries
  referencing old table as changed_rows for each statement execute function public.pricing_bump_price_version();

-- Stores LiteLLM entries ({model_id: entry}) for the run holding the lease; only entries that
-- differ are written. Entries are never deleted: a model gone from the map is 'missing' in
-- model_pricing, and the export leaves it out.
create function public.pricing_put_litellm_entries(p_run_id bigint, p_entries jsonb)
returns jsonb
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_written integer;
begin
  perform public.pricing_assert_lease(p_run_id);
  if jsonb_typeof(p_entries) is distinct from 'object' then
    raise exception 'entries must be a JSON object' using errcode = '22023';
  end if;
  insert into public.pricing_litellm_entries as e (model_id, entry, updated_at)
  select k, v, clock_timestamp() from jsonb_each(p_entries) as x(k, v)
   where jsonb_typeof(v) = 'object'
  on conflict (model_id) do update set entry = excluded.entry, updated_at = excluded.updated_at
   where e.entry is distinct from excluded.entry;
  get diagnostics v_written = row_count;
  return jsonb_build_object('written', v_written);
end;
$$;

-- GET /prices: the prices in force, one page in key order (provider, model_id) after the cursor,
-- in one round trip, from current rows only (the cost does not grow with history). With
-- p_known_version equal to the current version nothing is built (the caller answers 304).
-- Held changes are never stored in model_pricing, so they cannot appear here.
-- Pins: `pinned` is false until the operator-control work adds public.pricing_pins; it then joins
-- here (left join public.pricing_pins p on (p.provider, p.model_id) = (m.provider, m.model_id),
-- prices coalesced from the pin) and gets the same version triggers.
create function public.pricing_read_prices(
  p_providers text[],
  p_model_id text,
  p_states text[],
  p_updated_since timestamptz,
  p_after_provider text,
  p_after_model_id text,
  p_limit integer,
  p_known_version bigint
)
returns jsonb
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_version bigint;
  v_limit integer := least(greatest(coalesce(p_limit, 1000), 1), 10000);
  v_rows jsonb;
  v_count integer;
begin
  select version into v_version from public.pricing_price_version where id = 1;
  if p_known_version is not null and p_known_version = v_version then
    return jsonb_build_object('version', v_version, 'not_modified', true);
  end if;
  select coalesce(jsonb_agg(page.row order by page.provider, page.model_id), '[]'::jsonb), count(*)
    into v_rows, v_count
    from (
      select m.provider, m.model_id, jsonb_build_object(
               'provider', m.provider,
               'model_id', m.model_id,
               'state', m.state,
               'input_price_per_1m_tokens', trim_scale(m.input_price_per_1m_tokens)::text,
               'output_price_per_1m_tokens', trim_scale(m.output_price_per_1m_tokens)::text,
               'cache_read_price_per_1m_tokens', trim_scale(m.cache_read_price_per_1m_tokens)::text,
               'cache_write_price_per_1m_tokens', trim_scale(m.cache_write_price_per_1m_tokens)::text,
               'request_price', trim_scale(m.request_price)::text,
               'image_price', trim_scale(m.image_price)::text,
               'extra', m.extra_prices,
               'tiers', m.pricing_tiers,
               'context_length', m.context_length,
               'alias_of', m.alias_of,
               'effective_at', m.updated_at,
               'pinned', false) as row
        from public.model_pricing m
       where (p_providers is null or m.provider = any(p_providers))
         and (p_model_id is null or m.model_id = p_model_id)
         and (p_states is null or m.state = any(p_states))
         and (p_updated_since is null or m.updated_at >= p_updated_since)
         and (p_after_provider is null or (m.provider, m.model_id) > (p_after_provider, p_after_model_id))
       order by m.provider, m.model_id
       limit v_limit + 1
    ) page;
  -- One row past the page says whether there is a next page; it is not returned.
  if v_count > v_limit then
    v_rows := v_rows - v_limit;
    return jsonb_build_object('version', v_version, 'prices', v_rows,
      'next', jsonb_build_array(v_rows -> (v_limit - 1) ->> 'provider', v_rows -> (v_limit - 1) ->> 'model_id'));
  end if;
  return jsonb_build_object('version', v_version, 'prices', v_rows, 'next', null);
end;
$$;

-- The LiteLLM cost map's ingredients in one round trip: the stored LiteLLM entries of models still
-- listed (not 'missing'), and the active prices of every provider, compact:
-- [provider, model_id, input, output, cache_read, cache_write, request, image, context_length].
-- variable, unpriced and missing models carry no usable price and are left out. Pins slot in as
-- in pricing_read_prices.
create function public.pricing_read_litellm_map(p_known_version bigint)
returns jsonb
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_version bigint;
begin
  select version into v_version from public.pricing_price_version where id = 1;
  if p_known_version is not null and p_known_version = v_version then
    return jsonb_build_object('version', v_version, 'not_modified', true);
  end if;
  return jsonb_build_object(
    'version', v_version,
    'entries', (
      select coalesce(jsonb_object_agg(e.model_id, e.entry), '{}'::jsonb)
        from public.pricing_litellm_entries e
        join public.model_pricing m on m.provider = 'litellm' and m.model_id = e.model_id
       where m.state <> 'missing'),
    'prices', (
      select coalesce(jsonb_agg(jsonb_build_array(
               m.provider, m.model_id,
               trim_scale(m.input_price_per_1m_tokens)::text,
               trim_scale(m.output_price_per_1m_tokens)::text,
               trim_scale(m.cache_read_price_per_1m_tokens)::text,
               trim_scale(m.cache_write_price_per_1m_tokens)::text,
               trim_scale(m.request_price)::text,
               trim_scale(m.image_price)::text,
               m.context_length) order by m.provider, m.model_id), '[]'::jsonb)
        from public.model_pricing m
       where m.state = 'active'));
end;
$$;

-- EXECUTE for the server key only, as for every other function.
revoke execute on function
  public.pricing_bump_price_version(),
  public.pricing_put_litellm_entries(bigint, jsonb),
  public.pricing_read_prices(text[], text, text[], timestamptz, text, text, integer, bigint),
  public.pricing_read_litellm_map(bigint)
  from public, anon, authenticated;
grant execute on function
  public.pricing_put_litellm_entries(bigint, jsonb),
  public.pricing_read_prices(text[], text, text[], timestamptz, text, text, integer, bigint),
  public.pricing_read_litellm_map(bigint)
  to service_role;
