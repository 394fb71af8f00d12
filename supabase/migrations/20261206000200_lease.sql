-- The lease: one row, taken, asserted, reaped and released atomically.

-- Marks the run of an expired lease 'abandoned' (counted, in this transaction) and frees the
-- lease. Returns {abandoned_run_id} (null when the lease was free or still live). Called by
-- pricing_take_lease and by the cron gate and status before they read the last cron run: a run
-- killed mid-way must show as abandoned (and be retried within the hour) without waiting for the
-- next run to take the lease over.
create or replace function public.pricing_reap_lease()
returns jsonb language plpgsql security definer set search_path = ''
as $$
declare
  v_lease public.pricing_sync_lease%rowtype;
  v_abandoned public.pricing_sync_runs%rowtype;
begin
  select * into v_lease from public.pricing_sync_lease where id = 1 for update;
  if v_lease.run_id is null or v_lease.expires_at > clock_timestamp() then
    return jsonb_build_object('abandoned_run_id', null);
  end if;

  update public.pricing_sync_runs
     set status = 'abandoned',
         finished_at = v_lease.expires_at,
         error = coalesce(error, 'the lease expired before the run finished (process killed or timed out)')
   where id = v_lease.run_id and status = 'running'
  returning * into v_abandoned;
  if v_abandoned.id is not null then
    perform public.pricing_bump_total('runs', v_abandoned.trigger, 'abandoned', 1);
  end if;

  update public.pricing_sync_lease set run_id = null, acquired_at = null, expires_at = null where id = 1;
  -- Only the lease holder stages rows, so whatever is staged now belongs to dead runs.
  delete from public.pricing_apply_stage;
  return jsonb_build_object('abandoned_run_id', v_abandoned.id);
end;
$$;

-- Takes the lease atomically. Returns {acquired: true, run, abandoned_run_id} or
-- {acquired: false, holder: {run_id, started_at, expires_at, trigger, triggered_by}}.
-- An expired lease is taken over: its run becomes 'abandoned' and is counted, in this transaction.
create or replace function public.pricing_take_lease(
  p_trigger text,
  p_triggered_by text,
  p_dry_run boolean,
  p_forced boolean,
  p_providers text[],
  p_lease_seconds integer
)
returns jsonb language plpgsql security definer set search_path = ''
as $$
declare
  v_lease public.pricing_sync_lease%rowtype;
  v_holder public.pricing_sync_runs%rowtype;
  v_abandoned_run_id bigint;
  v_run public.pricing_sync_runs%rowtype;
begin
  if p_lease_seconds is null or p_lease_seconds < 1 then
    raise exception 'lease seconds must be a positive integer, got %', p_lease_seconds using errcode = '22023';
  end if;

  select * into v_lease from public.pricing_sync_lease where id = 1 for update;

  if v_lease.run_id is not null and v_lease.expires_at > clock_timestamp() then
    select * into v_holder from public.pricing_sync_runs where id = v_lease.run_id;
    return jsonb_build_object(
      'acquired', false,
      'holder', jsonb_build_object(
        'run_id', v_lease.run_id,
        'started_at', v_holder.started_at,
        'expires_at', v_lease.expires_at,
        'trigger', v_holder.trigger,
        'triggered_by', v_holder.triggered_by
      )
    );
  end if;

  v_abandoned_run_id := (public.pricing_reap_lease() ->> 'abandoned_run_id')::bigint;
  -- A free lease after a reap: no staged rows can belong to a live run.
  delete from public.pricing_apply_stage;

  insert into public.pricing_sync_runs (trigger, triggered_by, dry_run, forced, providers)
  values (p_trigger, p_triggered_by, coalesce(p_dry_run, false), coalesce(p_forced, false), coalesce(p_providers, '{}'))
  returning * into v_run;

  update public.pricing_sync_lease
     set run_id = v_run.id,
         acquired_at = clock_timestamp(),
         expires_at = clock_timestamp() + make_interval(secs => p_lease_seconds)
   where id = 1;

  return jsonb_build_object(
    'acquired', true,
    'run', jsonb_build_object('id', v_run.id, 'started_at', v_run.started_at),
    'abandoned_run_id', v_abandoned_run_id
  );
end;
$$;

-- Fails unless this run holds the lease; locks the lease row until the caller's transaction ends,
-- so a take-over waits for an apply in flight instead of racing it.
create or replace function public.pricing_assert_lease(p_run_id bigint)
returns void language plpgsql security definer set search_path = ''
as $$
declare
  v_holder bigint;
begin
  select run_id into v_holder from public.pricing_sync_lease where id = 1 for update;
  if v_holder is distinct from p_run_id then
    raise exception 'run % does not hold the sync lease (holder: %)', p_run_id, coalesce(v_holder::text, 'none')
      using errcode = '55P03';
  end if;
end;
$$;

-- Releases the lease if this run holds it.
create or replace function public.pricing_release_lease(p_run_id bigint)
returns jsonb language plpgsql security definer set search_path = ''
as $$
declare
  v_released boolean;
begin
  update public.pricing_sync_lease set run_id = null, acquired_at = null, expires_at = null
   where id = 1 and run_id = p_run_id;
  v_released := found;
  return jsonb_build_object('released', v_released);
end;
$$;

-- EXECUTE for the server key only: revoked from the roles Supabase grants it to by default.
revoke execute on function
  public.pricing_reap_lease,
  public.pricing_take_lease,
  public.pricing_assert_lease,
  public.pricing_release_lease
  from public, anon, authenticated;

grant execute on function
  public.pricing_reap_lease,
  public.pricing_take_lease,
  public.pricing_release_lease
  to service_role;
