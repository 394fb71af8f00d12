-- Finishing a run: its status and results, the monotonic totals /metrics reads, pruning.

-- Adds to a monotonic total. Internal: called only from the functions in these migrations.
create or replace function public.pricing_bump_total(p_metric text, p_label1 text, p_label2 text, p_amount numeric)
returns void language sql security definer set search_path = ''
as $$
  insert into public.pricing_metric_totals as t (metric, label1, label2, value)
  values (p_metric, p_label1, p_label2, p_amount)
  on conflict (metric, label1, label2) do update set value = t.value + excluded.value;
$$;

-- A count from a run's results: a JSON number, else 0. The cast sits in its own CASE branch, and
-- the function is not inlined (SET clause), so it is never evaluated for a value that is not a number.
create or replace function public.pricing_json_count(p_value jsonb)
returns numeric language sql immutable set search_path = ''
as $$
  select case when jsonb_typeof(p_value) = 'number' then p_value::numeric else 0 end;
$$;

-- Finishes a run: its status and results, the totals /metrics reads, the rows of providers that
-- did not apply, and the lease, all in one transaction. results: {providers: {slug: {applied,
-- counts: {added, changed, unchanged, missing, restored, held, invalid, unpriced, variable,
-- price_up, price_down}, error: {reason, message} | null, held_changes: [...]}}}.
-- A provider that failed keeps the held changes it had: they still wait for an admin.
-- The run is recorded whatever p_results and p_error contain: a count that is not a JSON number
-- counts 0, an `applied` that is not a JSON boolean is false, an error without a reason is
-- counted as 'unknown'; nothing here casts result text in a way that can fail.
create or replace function public.pricing_finish_run(p_run_id bigint, p_status text, p_results jsonb, p_error text)
returns jsonb language plpgsql security definer set search_path = ''
as $$
declare
  v_run public.pricing_sync_runs%rowtype;
  v_duration numeric;
  v_bucket text;
  v_provider record;
  v_outcome text;
  v_count numeric;
  v_failed boolean;
  v_held_changes jsonb;
  v_held_changes_count integer;
begin
  if p_status not in ('success', 'partial', 'failed') then
    raise exception 'a run finishes as success, partial or failed, not %', p_status using errcode = '22023';
  end if;

  update public.pricing_sync_runs
     set status = p_status,
         finished_at = clock_timestamp(),
         duration_seconds = extract(epoch from clock_timestamp() - started_at),
         results = coalesce(p_results, '{}'::jsonb),
         error = p_error
   where id = p_run_id and status = 'running'
  returning * into v_run;

  if v_run.id is null then
    select * into v_run from public.pricing_sync_runs where id = p_run_id;
    return jsonb_build_object('finished', false, 'status', v_run.status);
  end if;

  v_duration := v_run.duration_seconds;
  v_bucket := case
    when v_duration <= 1 then '1' when v_duration <= 5 then '5' when v_duration <= 10 then '10'
    when v_duration <= 30 then '30' when v_duration <= 60 then '60' when v_duration <= 120 then '120'
    when v_duration <= 300 then '300' when v_duration <= 600 then '600' when v_duration <= 900 then '900'
    else '+Inf' end;
  perform public.pricing_bump_total('runs', v_run.trigger, p_status, 1);
  perform public.pricing_bump_total('duration_bucket', v_run.trigger, v_bucket, 1);
  perform public.pricing_bump_total('duration_sum', v_run.trigger, '', v_duration);
  perform public.pricing_bump_total('duration_count', v_run.trigger, '', 1);

  if not v_run.dry_run then
    for v_provider in
      select e.key as provider, e.value as result
        from jsonb_each(case when jsonb_typeof(p_results -> 'providers') = 'object'
                             then p_results -> 'providers' else '{}'::jsonb end) as e
       where jsonb_typeof(e.value) = 'object'
    loop
      for v_outcome in
        select unnest(array['added', 'changed', 'unchanged', 'missing', 'restored', 'held', 'invalid',
                            'unpriced', 'variable'])
      loop
        v_count := public.pricing_json_count(v_provider.result -> 'counts' -> v_outcome);
        if v_count > 0 then
          perform public.pricing_bump_total('models', v_provider.provider, v_outcome, v_count);
        end if;
      end loop;
      v_count := public.pricing_json_count(v_provider.result -> 'counts' -> 'price_up');
      if v_count > 0 then
        perform public.pricing_bump_total('price_changes', v_provider.provider, 'up', v_count);
      end if;
      v_count := public.pricing_json_count(v_provider.result -> 'counts' -> 'price_down');
      if v_count > 0 then
        perform public.pricing_bump_total('price_changes', v_provider.provider, 'down', v_count);
      end if;

      v_failed := jsonb_typeof(v_provider.result -> 'error') = 'object';
      if v_failed then
        perform public.pricing_bump_total('provider_errors', v_provider.provider,
                                          coalesce(v_provider.result -> 'error' ->> 'reason', 'unknown'), 1);
      end if;

      v_held_changes := case when jsonb_typeof(v_provider.result -> 'held_changes') = 'array'
                             then v_provider.result -> 'held_changes' end;
      v_held_changes_count := jsonb_array_length(v_held_changes);

      -- A provider that applied already updated its row in pricing_commit_provider.
      if (v_provider.result -> 'applied') is distinct from 'true'::jsonb then
        insert into public.pricing_providers as p (provider, last_attempt_at, last_run_id, last_error_reason,
                                                   last_error, held_count, held_changes, updated_at)
        values (v_provider.provider, v_run.finished_at, p_run_id,
                v_provider.result -> 'error' ->> 'reason', v_provider.result -> 'error' ->> 'message',
                coalesce(v_held_changes_count, 0), coalesce(v_held_changes, '[]'::jsonb), v_run.finished_at)
        on conflict (provider) do update set
          last_attempt_at = excluded.last_attempt_at,
          last_run_id = excluded.last_run_id,
          last_error_reason = excluded.last_error_reason,
          last_error = excluded.last_error,
          held_count = case when v_failed then p.held_count else excluded.held_count end,
          held_changes = case when v_failed then p.held_changes else excluded.held_changes end,
          updated_at = excluded.updated_at;
      end if;
    end loop;
  end if;

  update public.pricing_sync_lease set run_id = null, acquired_at = null, expires_at = null
   where id = 1 and run_id = p_run_id;

  return jsonb_build_object('finished', true, 'run', jsonb_build_object(
    'id', v_run.id, 'status', v_run.status, 'started_at', v_run.started_at,
    'finished_at', v_run.finished_at, 'duration_seconds', v_run.duration_seconds));
end;
$$;

-- Deletes finished runs older than the given age. History and totals stay: counters never go down.
create or replace function public.pricing_prune_runs(p_older_than_seconds bigint)
returns jsonb language plpgsql security definer set search_path = ''
as $$
declare
  v_deleted integer;
begin
  if p_older_than_seconds is null or p_older_than_seconds < 0 then
    raise exception 'older-than must be a non-negative number of seconds' using errcode = '22023';
  end if;
  delete from public.pricing_sync_runs
   where status <> 'running'
     and started_at < clock_timestamp() - make_interval(secs => p_older_than_seconds);
  get diagnostics v_deleted = row_count;
  return jsonb_build_object('deleted', v_deleted);
end;
$$;

-- EXECUTE for the server key only: revoked from the roles Supabase grants it to by default.
revoke execute on function
  public.pricing_bump_total,
  public.pricing_json_count,
  public.pricing_finish_run,
  public.pricing_prune_runs
  from public, anon, authenticated;

grant execute on function
  public.pricing_finish_run,
  public.pricing_prune_runs
  to service_role;
