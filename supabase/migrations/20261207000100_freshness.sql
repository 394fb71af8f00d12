-- Freshness: how current every served price is, computed at read time. A sync that changes nothing
-- writes nothing more than before: the two columns below are set by triggers only when a model
-- turns missing or a provider's failing streak starts or ends.

-- When a successful sync of its provider last listed a model that is now missing: the provider's
-- last success before the sync that found the model gone. Null while the model is listed (its
-- provider's last_success_at says it then).
alter table public.model_pricing add column last_listed_at timestamptz;

-- The first failure since the provider's last success; null while it succeeds.
alter table public.pricing_providers add column failing_since timestamptz;

-- A model turning missing keeps when it was last listed. pricing_commit_provider marks models
-- missing before it updates its provider's row, so last_success_at is still the previous success.
create or replace function public.pricing_note_last_listed()
returns trigger language plpgsql security definer set search_path = pg_catalog, pg_temp
as $$
begin
  new.last_listed_at := coalesce(
    (select p.last_success_at from public.pricing_providers p where p.provider = new.provider),
    new.missing_since, new.updated_at);
  return new;
end;
$$;

create or replace trigger pricing_last_listed_insert before insert on public.model_pricing
  for each row when (new.state = 'missing') execute function public.pricing_note_last_listed();
create or replace trigger pricing_last_listed_update before update on public.model_pricing
  for each row when (new.state = 'missing' and old.state <> 'missing')
  execute function public.pricing_note_last_listed();

-- A success (a later last_success_at) ends a failing streak; a failed attempt (an error reason with
-- a newer attempt) starts one unless one is already running. Any other update, an attempt held
-- whole (no error) among them, leaves it as it is.
create or replace function public.pricing_note_failing_since()
returns trigger language plpgsql security definer set search_path = pg_catalog, pg_temp
as $$
begin
  if tg_op = 'UPDATE' then
    if new.last_success_at > coalesce(old.last_success_at, '-infinity'::timestamptz) then
      new.failing_since := null;
    elsif new.last_error_reason is not null and old.failing_since is null
          and new.last_attempt_at is distinct from old.last_attempt_at then
      new.failing_since := new.last_attempt_at;
    end if;
  elsif new.last_error_reason is not null then
    new.failing_since := new.last_attempt_at;
  else
    new.failing_since := null;
  end if;
  return new;
end;
$$;

create or replace trigger pricing_failing_since before insert or update on public.pricing_providers
  for each row execute function public.pricing_note_failing_since();

-- Rows that were already missing or failing: the best the stored runs can tell. A missing model's
-- last listing is its provider's last applied run before it went missing (else when it went
-- missing); a failing provider's streak starts at its first failed run after its last success
-- (else its last attempt).
update public.model_pricing m
   set last_listed_at = coalesce(
         (select max(r.finished_at) from public.pricing_sync_runs r
           where r.finished_at < m.missing_since
             and r.results -> 'providers' -> m.provider -> 'applied' = 'true'::jsonb),
         m.missing_since)
 where m.state = 'missing';

update public.pricing_providers p
   set failing_since = coalesce(
         (select min(r.finished_at) from public.pricing_sync_runs r
           where r.finished_at > coalesce(p.last_success_at, '-infinity'::timestamptz)
             and pg_catalog.jsonb_typeof(r.results -> 'providers' -> p.provider -> 'error') = 'object'),
         p.last_attempt_at)
 where p.last_error_reason is not null;

-- A held change opening or closing changes `pending_review` of a served price: it bumps the price
-- version like a price write, so no ETag outlives it. A sync seeing the same proposal again
-- (last_seen_at) does not.
create or replace function public.pricing_bump_price_version_row()
returns trigger language plpgsql security definer set search_path = pg_catalog, pg_temp
as $$
begin
  update public.pricing_price_version
     set version = version + 1, bumped_at = clock_timestamp()
   where id = 1;
  return null;
end;
$$;

create or replace trigger pricing_price_version_held_insert after insert on public.pricing_held_changes
  for each row when (new.status = 'pending') execute function public.pricing_bump_price_version_row();
create or replace trigger pricing_price_version_held_update after update on public.pricing_held_changes
  for each row when (old.status is distinct from new.status)
  execute function public.pricing_bump_price_version_row();
create or replace trigger pricing_price_version_held_delete after delete on public.pricing_held_changes
  for each row when (old.status = 'pending') execute function public.pricing_bump_price_version_row();

-- Every provider with stored models or a provider row: when it last succeeded, since when it fails,
-- and whether it has models. Read before each price answer (its staleness is decided in
-- lib/freshness), so it stays small: providers with models are found by a skip scan of the primary
-- key, one probe per provider, however many models there are.
create or replace function public.pricing_read_freshness()
returns jsonb language sql stable security definer set search_path = ''
as $$
  with recursive slugs(provider) as (
    (select m.provider from public.model_pricing m order by m.provider limit 1)
    union all
    select (select m.provider from public.model_pricing m where m.provider > s.provider
             order by m.provider limit 1)
      from slugs s where s.provider is not null
  )
  select pg_catalog.jsonb_build_object(
    'now', pg_catalog.clock_timestamp(),
    'providers', coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
      'provider', coalesce(p.provider, s.provider),
      'last_success_at', p.last_success_at,
      'last_attempt_at', p.last_attempt_at,
      'failing_since', p.failing_since,
      'last_error_reason', p.last_error_reason,
      'has_models', s.provider is not null) order by coalesce(p.provider, s.provider)), '[]'::jsonb))
    from public.pricing_providers p
    full join (select provider from slugs where provider is not null) s on s.provider = p.provider;
$$;

-- GET /prices: one page of stored prices, now with their freshness. `checked_at`: when a successful
-- sync of its provider last listed the model; `pending_review`: a pending held change names the
-- model (or a provider-level hold would mark it missing). `pinned` says whether the operator pinned
-- the price. p_exclude_providers: providers whose rows are left out (`?stale=false`); staleness
-- depends on the configuration, so the caller decides it.
drop function if exists public.pricing_read_prices(text[], text, text[], timestamptz, text, text, integer, bigint);
create or replace function public.pricing_read_prices(
  p_providers text[],
  p_model_id text,
  p_states text[],
  p_updated_since timestamptz,
  p_after_provider text,
  p_after_model_id text,
  p_limit integer,
  p_known_version bigint,
  p_exclude_providers text[]
)
returns jsonb language plpgsql stable security definer set search_path = ''
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
               'pinned', exists (select 1 from public.pricing_pins p
                                  where p.provider = m.provider and p.model_id = m.model_id),
               'checked_at', case when m.state = 'missing' then m.last_listed_at
                                  else (select pp.last_success_at from public.pricing_providers pp
                                         where pp.provider = m.provider) end,
               -- Two probes, each along an index of pricing_held_changes (by model; pending by provider).
               'pending_review', exists (
                   select 1 from public.pricing_held_changes h
                    where h.provider = m.provider and h.model_id = m.model_id and h.status = 'pending')
                 or exists (
                   select 1 from public.pricing_held_changes h
                    where h.provider = m.provider and coalesce(h.model_id, '') = '' and h.status = 'pending'
                      and coalesce(h.proposed_prices -> 'missing', '[]'::jsonb) ? m.model_id)
             ) as row
        from public.model_pricing m
       where (p_providers is null or m.provider = any(p_providers))
         and (p_exclude_providers is null or m.provider <> all(p_exclude_providers))
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

-- EXECUTE for the server key only: revoked from the roles Supabase grants it to by default. The
-- trigger functions are for the triggers alone.
revoke execute on function
  public.pricing_note_last_listed,
  public.pricing_note_failing_since,
  public.pricing_bump_price_version_row,
  public.pricing_read_freshness,
  public.pricing_read_prices
  from public, anon, authenticated;

grant execute on function
  public.pricing_read_freshness,
  public.pricing_read_prices
  to service_role;
