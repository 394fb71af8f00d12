-- The change feed (GET /prices/changes): the price history in id order, after a cursor.
--
-- Feed order is history id order, and that is commit order, because every writer of
-- model_pricing_history holds the lease row (pricing_sync_lease, id 1) locked FOR UPDATE from
-- before its first insert until its transaction ends: a sync's commit through pricing_assert_lease
-- (pricing_commit_provider, and pricing_commit_litellm through it), each operator action through
-- pricing_operator_holder (pricing_decide_held, pricing_rollback_run, pricing_set_pin, which write
-- through pricing_operator_write_model). So two writers never draw history ids at the same time:
-- the second draws its ids after the first has committed or rolled back, a transaction in progress
-- holds only ids above every committed one, and a reader that has served id N never later finds a
-- new row below N. The id is an identity with cache 1, so ids are drawn in the order of the calls.

-- Takes the lease row lock before any row of an insert into history is made (a statement trigger
-- fires before the identity draws an id): the rule above holds for any writer, even one that
-- forgets the lock. For the writers above, which already hold it, this is a no-op.
create or replace function public.pricing_history_lock_lease()
returns trigger language plpgsql security definer set search_path = ''
as $$
begin
  perform 1 from public.pricing_sync_lease where id = 1 for update;
  return null;
end;
$$;

create or replace trigger pricing_history_lock_lease before insert on public.model_pricing_history
  for each statement execute function public.pricing_history_lock_lease();

-- One page of the feed: up to p_limit history rows after id p_after_id (of the given providers, or
-- all), each with its prices before and after in the API's price shape (pricing_price_view, as
-- the other readers of history show them) and the trigger of the run that wrote it (null once
-- that run is pruned). `more` says whether rows follow the page; `last_id` is the largest history
-- id of the same snapshot, from which a follower at the end resumes (no row below it can still
-- commit, see above), so a filtered follower does not read past other providers' rows again.
create or replace function public.pricing_read_changes(
  p_providers text[],
  p_after_id bigint,
  p_limit integer
)
returns jsonb language plpgsql stable security definer set search_path = ''
as $$
declare
  v_limit integer := least(greatest(coalesce(p_limit, 500), 1), 1000);
  v_rows jsonb;
  v_count integer;
begin
  select coalesce(jsonb_agg(page.item order by page.id), '[]'::jsonb), count(*) into v_rows, v_count
    from (
      select h.id, jsonb_build_object('id', h.id, 'provider', h.provider, 'model_id', h.model_id,
               'kind', h.kind,
               'before', public.pricing_price_view(h.old_prices),
               'after', public.pricing_price_view(h.new_prices),
               'effective_at', h.effective_at, 'run_id', h.run_id,
               'trigger', (select r.trigger from public.pricing_sync_runs r where r.id = h.run_id)) as item
        from public.model_pricing_history h
       where h.id > coalesce(p_after_id, 0)
         and (p_providers is null or h.provider = any(p_providers))
       order by h.id
       limit v_limit + 1
    ) page;
  -- One row past the page says whether there is more; it is not returned.
  if v_count > v_limit then
    v_rows := v_rows - v_limit;
  end if;
  return jsonb_build_object('changes', v_rows, 'more', v_count > v_limit,
    'last_id', (select max(h.id) from public.model_pricing_history h));
end;
$$;

-- A feed filtered by provider reads that provider's rows after the cursor, in id order, from this
-- index, instead of walking every provider's history from the cursor on.
create index model_pricing_history_provider_id_idx on public.model_pricing_history (provider, id);

-- EXECUTE for the server key only: revoked from the roles Supabase grants it to by default.
revoke execute on function
  public.pricing_history_lock_lease,
  public.pricing_read_changes
  from public, anon, authenticated;

grant execute on function public.pricing_read_changes to service_role;
