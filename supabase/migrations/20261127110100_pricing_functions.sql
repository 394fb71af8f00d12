-- pricing-sync: the SQL functions. Each is one round trip and returns one jsonb value (never a set
-- of rows: PostgREST caps set-returning results at 1,000 rows and would truncate a catalog).
-- They run as their owner (security definer) with a fixed search_path; EXECUTE is for the server
-- key only.

-- Adds to a monotonic total. Internal: called only from the functions below.
create function public.pricing_bump_total(p_metric text, p_label1 text, p_label2 text, p_amount numeric)
returns void
language sql
security definer
set search_path = public, pg_temp
as $$
  insert into pricing_metric_totals as t (metric, label1, label2, value)
  values (p_metric, p_label1, p_label2, p_amount)
  on conflict (metric, label1, label2) do update set value = t.value + excluded.value;
$$;

-- The prices of a model row as one jsonb document, for history.
create function public.pricing_prices_json(m public.model_pricing)
returns jsonb
language sql
immutable
set search_path = public, pg_temp
as $$
  select jsonb_build_object(
    'state', m.state,
    'input_price_per_1m_tokens', trim_scale(m.input_price_per_1m_tokens)::text,
    'output_price_per_1m_tokens', trim_scale(m.output_price_per_1m_tokens)::text,
    'cache_read_price_per_1m_tokens', trim_scale(m.cache_read_price_per_1m_tokens)::text,
    'cache_write_price_per_1m_tokens', trim_scale(m.cache_write_price_per_1m_tokens)::text,
    'request_price', trim_scale(m.request_price)::text,
    'image_price', trim_scale(m.image_price)::text,
    'extra_prices', m.extra_prices,
    'pricing_tiers', m.pricing_tiers,
    'context_length', m.context_length,
    'alias_of', m.alias_of
  );
$$;

-- Takes the lease atomically. Returns {acquired: true, run, abandoned_run_id} or
-- {acquired: false, holder: {run_id, started_at, expires_at, trigger, triggered_by}}.
-- An expired lease is taken over: its run becomes 'abandoned' and is counted, in this transaction.
create function public.pricing_take_lease(
  p_trigger text,
  p_triggered_by text,
  p_dry_run boolean,
  p_forced boolean,
  p_providers text[],
  p_lease_seconds integer
)
returns jsonb
language plpgsql
security definer
set search_path = public, pg_temp
as $$
declare
  v_lease pricing_sync_lease%rowtype;
  v_holder pricing_sync_runs%rowtype;
  v_abandoned pricing_sync_runs%rowtype;
  v_run pricing_sync_runs%rowtype;
begin
  if p_lease_seconds is null or p_lease_seconds < 1 then
    raise exception 'lease seconds must be a positive integer, got %', p_lease_seconds using errcode = '22023';
  end if;

  select * into v_lease from pricing_sync_lease where id = 1 for update;

  if v_lease.run_id is not null and v_lease.expires_at > clock_timestamp() then
    select * into v_holder from pricing_sync_runs where id = v_lease.run_id;
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

  if v_lease.run_id is not null then
    update pricing_sync_runs
       set status = 'abandoned',
           finished_at = v_lease.expires_at,
           error = coalesce(error, 'the lease expired before the run finished (process killed or timed out)')
     where id = v_lease.run_id and status = 'running'
    returning * into v_abandoned;
    if v_abandoned.id is not null then
      perform pricing_bump_total('runs', v_abandoned.trigger, 'abandoned', 1);
    end if;
  end if;

  -- Only the lease holder stages rows, so whatever is staged now belongs to dead runs.
  delete from pricing_apply_stage;

  insert into pricing_sync_runs (trigger, triggered_by, dry_run, forced, providers)
  values (p_trigger, p_triggered_by, coalesce(p_dry_run, false), coalesce(p_forced, false), coalesce(p_providers, '{}'))
  returning * into v_run;

  update pricing_sync_lease
     set run_id = v_run.id,
         acquired_at = clock_timestamp(),
         expires_at = clock_timestamp() + make_interval(secs => p_lease_seconds)
   where id = 1;

  return jsonb_build_object(
    'acquired', true,
    'run', jsonb_build_object('id', v_run.id, 'started_at', v_run.started_at),
    'abandoned_run_id', v_abandoned.id
  );
end;
$$;

-- Releases the lease if this run holds it.
create function public.pricing_release_lease(p_run_id bigint)
returns jsonb
language plpgsql
security definer
set search_path = public, pg_temp
as $$
declare
  v_released boolean;
begin
  update pricing_sync_lease set run_id = null, acquired_at = null, expires_at = null
   where id = 1 and run_id = p_run_id;
  v_released := found;
  return jsonb_build_object('released', v_released);
end;
$$;

-- Fails unless this run holds the lease; locks the lease row until the caller's transaction ends,
-- so a take-over waits for an apply in flight instead of racing it.
create function public.pricing_assert_lease(p_run_id bigint)
returns void
language plpgsql
security definer
set search_path = public, pg_temp
as $$
declare
  v_holder bigint;
begin
  select run_id into v_holder from pricing_sync_lease where id = 1 for update;
  if v_holder is distinct from p_run_id then
    raise exception 'run % does not hold the sync lease (holder: %)', p_run_id, coalesce(v_holder::text, 'none')
      using errcode = '55P03';
  end if;
end;
$$;

-- Every provider row, small: drives the unchanged-catalog shortcut.
create function public.pricing_read_providers()
returns jsonb
language sql
stable
security definer
set search_path = public, pg_temp
as $$
  select coalesce(jsonb_agg(to_jsonb(p) order by p.provider), '[]'::jsonb) from pricing_providers p;
$$;

-- A provider's stored models in a compact form: one array per model,
-- [model_id, state, input, output, cache_read, cache_write, request, image, extra_prices,
--  pricing_tiers, context_length, alias_of], prices as decimal strings.
create function public.pricing_read_models(p_provider text)
returns jsonb
language sql
stable
security definer
set search_path = public, pg_temp
as $$
  select coalesce(jsonb_agg(jsonb_build_array(
    m.model_id, m.state,
    trim_scale(m.input_price_per_1m_tokens)::text,
    trim_scale(m.output_price_per_1m_tokens)::text,
    trim_scale(m.cache_read_price_per_1m_tokens)::text,
    trim_scale(m.cache_write_price_per_1m_tokens)::text,
    trim_scale(m.request_price)::text,
    trim_scale(m.image_price)::text,
    m.extra_prices, m.pricing_tiers, m.context_length, m.alias_of
  ) order by m.model_id), '[]'::jsonb)
  from model_pricing m
  where m.provider = p_provider;
$$;

-- Stages one chunk of a large apply. Nothing is applied until pricing_commit_provider.
create function public.pricing_stage_chunk(p_run_id bigint, p_provider text, p_chunk_no integer, p_rows jsonb)
returns jsonb
language plpgsql
security definer
set search_path = public, pg_temp
as $$
begin
  perform pricing_assert_lease(p_run_id);
  if jsonb_typeof(p_rows) is distinct from 'array' then
    raise exception 'rows must be a JSON array' using errcode = '22023';
  end if;
  insert into pricing_apply_stage (run_id, provider, chunk_no, rows)
  values (p_run_id, p_provider, p_chunk_no, p_rows)
  on conflict (run_id, provider, chunk_no) do update set rows = excluded.rows;
  return jsonb_build_object('staged', jsonb_array_length(p_rows));
end;
$$;

-- Applies one provider's changes atomically: the staged chunks of this run plus p_rows are
-- upserted (only rows that really differ are written), history is appended, models in p_missing
-- are marked 'missing' (never deleted), and the provider row is updated. Any error leaves the
-- provider exactly as it was. Rows: objects with model_id, state, input, output, cache_read,
-- cache_write, request, image (decimal strings or null), extra, tiers, context_length, alias_of.
create function public.pricing_commit_provider(
  p_run_id bigint,
  p_provider text,
  p_rows jsonb,
  p_missing text[],
  p_catalog_hash text,
  p_held jsonb,
  p_source text
)
returns jsonb
language plpgsql
security definer
set search_path = public, pg_temp
as $$
declare
  v_rows jsonb;
  v_added integer := 0;
  v_changed integer := 0;
  v_restored integer := 0;
  v_missing integer := 0;
  v_upserted integer := 0;
  v_now timestamptz := clock_timestamp();
begin
  perform pricing_assert_lease(p_run_id);

  select coalesce(jsonb_agg(e.value order by s.chunk_no, e.ordinality), '[]'::jsonb)
    into v_rows
    from pricing_apply_stage s, jsonb_array_elements(s.rows) with ordinality as e(value, ordinality)
   where s.run_id = p_run_id and s.provider = p_provider;
  v_rows := v_rows || coalesce(p_rows, '[]'::jsonb);

  if jsonb_array_length(v_rows) > 0 then
    create temp table if not exists pricing_incoming (
      model_id text primary key,
      state text not null,
      input numeric, output numeric, cache_read numeric, cache_write numeric,
      request numeric, image numeric,
      extra jsonb not null, tiers jsonb not null,
      context_length integer, alias_of text
    ) on commit drop;
    truncate pricing_incoming;
    insert into pricing_incoming
    select r.model_id, r.state, r.input, r.output, r.cache_read, r.cache_write, r.request, r.image,
           coalesce(r.extra, '{}'::jsonb), coalesce(r.tiers, '[]'::jsonb), r.context_length, r.alias_of
      from jsonb_to_recordset(v_rows) as r(
        model_id text, state text, input numeric, output numeric, cache_read numeric,
        cache_write numeric, request numeric, image numeric, extra jsonb, tiers jsonb,
        context_length integer, alias_of text);

    -- History first, while the old prices are still in place. Only real differences count.
    with diff as (
      insert into model_pricing_history (
        run_id, provider, model_id, kind, old_state, new_state,
        old_input_price_per_1m_tokens, new_input_price_per_1m_tokens,
        old_output_price_per_1m_tokens, new_output_price_per_1m_tokens,
        old_prices, new_prices, effective_at)
      select p_run_id, p_provider, i.model_id,
             case when m.model_id is null then 'added' when m.state = 'missing' then 'restored' else 'changed' end,
             m.state, i.state, m.input_price_per_1m_tokens, i.input, m.output_price_per_1m_tokens, i.output,
             case when m.model_id is null then null else pricing_prices_json(m) end,
             jsonb_build_object(
               'state', i.state,
               'input_price_per_1m_tokens', trim_scale(i.input)::text,
               'output_price_per_1m_tokens', trim_scale(i.output)::text,
               'cache_read_price_per_1m_tokens', trim_scale(i.cache_read)::text,
               'cache_write_price_per_1m_tokens', trim_scale(i.cache_write)::text,
               'request_price', trim_scale(i.request)::text,
               'image_price', trim_scale(i.image)::text,
               'extra_prices', i.extra,
               'pricing_tiers', i.tiers,
               'context_length', i.context_length,
               'alias_of', i.alias_of),
             v_now
        from pricing_incoming i
        left join model_pricing m on m.provider = p_provider and m.model_id = i.model_id
       where m.model_id is null
          or (m.state, m.input_price_per_1m_tokens, m.output_price_per_1m_tokens,
              m.cache_read_price_per_1m_tokens, m.cache_write_price_per_1m_tokens, m.request_price,
              m.image_price, m.extra_prices, m.pricing_tiers, m.context_length, m.alias_of)
             is distinct from
             (i.state, i.input, i.output, i.cache_read, i.cache_write, i.request, i.image, i.extra,
              i.tiers, i.context_length, i.alias_of)
      returning kind
    )
    select count(*) filter (where kind = 'added'),
           count(*) filter (where kind = 'changed'),
           count(*) filter (where kind = 'restored')
      into v_added, v_changed, v_restored
      from diff;

    insert into model_pricing as m (
      provider, model_id, state, input_price_per_1m_tokens, output_price_per_1m_tokens,
      cache_read_price_per_1m_tokens, cache_write_price_per_1m_tokens, request_price, image_price,
      extra_prices, pricing_tiers, context_length, alias_of, source, first_seen_at, missing_since, updated_at)
    select p_provider, i.model_id, i.state, i.input, i.output, i.cache_read, i.cache_write, i.request,
           i.image, i.extra, i.tiers, i.context_length, i.alias_of, p_source, v_now, null, v_now
      from pricing_incoming i
    on conflict (provider, model_id) do update set
      state = excluded.state,
      input_price_per_1m_tokens = excluded.input_price_per_1m_tokens,
      output_price_per_1m_tokens = excluded.output_price_per_1m_tokens,
      cache_read_price_per_1m_tokens = excluded.cache_read_price_per_1m_tokens,
      cache_write_price_per_1m_tokens = excluded.cache_write_price_per_1m_tokens,
      request_price = excluded.request_price,
      image_price = excluded.image_price,
      extra_prices = excluded.extra_prices,
      pricing_tiers = excluded.pricing_tiers,
      context_length = excluded.context_length,
      alias_of = excluded.alias_of,
      source = excluded.source,
      missing_since = null,
      -- A change of context length or alias alone is not a price change.
      updated_at = case
        when (m.state, m.input_price_per_1m_tokens, m.output_price_per_1m_tokens,
              m.cache_read_price_per_1m_tokens, m.cache_write_price_per_1m_tokens, m.request_price,
              m.image_price, m.extra_prices, m.pricing_tiers)
             is distinct from
             (excluded.state, excluded.input_price_per_1m_tokens, excluded.output_price_per_1m_tokens,
              excluded.cache_read_price_per_1m_tokens, excluded.cache_write_price_per_1m_tokens,
              excluded.request_price, excluded.image_price, excluded.extra_prices, excluded.pricing_tiers)
        then excluded.updated_at else m.updated_at end
    where (m.state, m.input_price_per_1m_tokens, m.output_price_per_1m_tokens,
           m.cache_read_price_per_1m_tokens, m.cache_write_price_per_1m_tokens, m.request_price,
           m.image_price, m.extra_prices, m.pricing_tiers, m.context_length, m.alias_of)
          is distinct from
          (excluded.state, excluded.input_price_per_1m_tokens, excluded.output_price_per_1m_tokens,
           excluded.cache_read_price_per_1m_tokens, excluded.cache_write_price_per_1m_tokens,
           excluded.request_price, excluded.image_price, excluded.extra_prices, excluded.pricing_tiers,
           excluded.context_length, excluded.alias_of);
    get diagnostics v_upserted = row_count;
  end if;

  if coalesce(cardinality(p_missing), 0) > 0 then
    insert into model_pricing_history (
      run_id, provider, model_id, kind, old_state, new_state,
      old_input_price_per_1m_tokens, new_input_price_per_1m_tokens,
      old_output_price_per_1m_tokens, new_output_price_per_1m_tokens,
      old_prices, new_prices, effective_at)
    select p_run_id, p_provider, m.model_id, 'missing', m.state, 'missing',
           m.input_price_per_1m_tokens, m.input_price_per_1m_tokens,
           m.output_price_per_1m_tokens, m.output_price_per_1m_tokens,
           pricing_prices_json(m), pricing_prices_json(m) || jsonb_build_object('state', 'missing'), v_now
      from model_pricing m
     where m.provider = p_provider and m.model_id = any(p_missing) and m.state <> 'missing';

    -- Prices stay as they were: a gateway may still need them to bill requests in flight.
    update model_pricing
       set state = 'missing', missing_since = v_now, updated_at = v_now
     where provider = p_provider and model_id = any(p_missing) and state <> 'missing';
    get diagnostics v_missing = row_count;
  end if;

  delete from pricing_apply_stage where run_id = p_run_id and provider = p_provider;

  insert into pricing_providers as p (
    provider, last_attempt_at, last_success_at, last_run_id, catalog_hash, last_error_reason,
    last_error, models_by_state, held_count, held_changes, updated_at)
  values (
    p_provider, v_now, v_now, p_run_id, p_catalog_hash, null, null,
    coalesce((select jsonb_object_agg(state, n) from
               (select state, count(*) as n from model_pricing where provider = p_provider group by state) c),
             '{}'::jsonb),
    coalesce(jsonb_array_length(p_held), 0), coalesce(p_held, '[]'::jsonb), v_now)
  on conflict (provider) do update set
    last_attempt_at = excluded.last_attempt_at,
    last_success_at = excluded.last_success_at,
    last_run_id = excluded.last_run_id,
    catalog_hash = excluded.catalog_hash,
    last_error_reason = null,
    last_error = null,
    models_by_state = case when v_upserted + v_missing > 0 or p.models_by_state = '{}'::jsonb
                           then excluded.models_by_state else p.models_by_state end,
    held_count = excluded.held_count,
    held_changes = excluded.held_changes,
    updated_at = excluded.updated_at;

  return jsonb_build_object(
    'added', v_added, 'changed', v_changed, 'restored', v_restored, 'missing', v_missing,
    'rows_written', v_upserted + v_missing);
end;
$$;

-- Finishes a run: its status and results, the totals /metrics reads, the rows of providers that
-- did not apply, and the lease, all in one transaction. results: {providers: {slug: {applied,
-- counts: {added, changed, unchanged, missing, restored, held, invalid, unpriced, variable,
-- price_up, price_down}, error: {reason, message} | null, held_changes: [...]}}}.
create function public.pricing_finish_run(p_run_id bigint, p_status text, p_results jsonb, p_error text)
returns jsonb
language plpgsql
security definer
set search_path = public, pg_temp
as $$
declare
  v_run pricing_sync_runs%rowtype;
  v_duration numeric;
  v_bucket text;
  v_provider record;
  v_outcome text;
  v_count numeric;
begin
  if p_status not in ('success', 'partial', 'failed') then
    raise exception 'a run finishes as success, partial or failed, not %', p_status using errcode = '22023';
  end if;

  update pricing_sync_runs
     set status = p_status,
         finished_at = clock_timestamp(),
         duration_seconds = extract(epoch from clock_timestamp() - started_at),
         results = coalesce(p_results, '{}'::jsonb),
         error = p_error
   where id = p_run_id and status = 'running'
  returning * into v_run;

  if v_run.id is null then
    select * into v_run from pricing_sync_runs where id = p_run_id;
    return jsonb_build_object('finished', false, 'status', v_run.status);
  end if;

  v_duration := v_run.duration_seconds;
  v_bucket := case
    when v_duration <= 1 then '1' when v_duration <= 5 then '5' when v_duration <= 10 then '10'
    when v_duration <= 30 then '30' when v_duration <= 60 then '60' when v_duration <= 120 then '120'
    when v_duration <= 300 then '300' when v_duration <= 600 then '600' when v_duration <= 900 then '900'
    else '+Inf' end;
  perform pricing_bump_total('runs', v_run.trigger, p_status, 1);
  perform pricing_bump_total('duration_bucket', v_run.trigger, v_bucket, 1);
  perform pricing_bump_total('duration_sum', v_run.trigger, '', v_duration);
  perform pricing_bump_total('duration_count', v_run.trigger, '', 1);

  if not v_run.dry_run then
    for v_provider in
      select key as provider, value as result from jsonb_each(coalesce(p_results -> 'providers', '{}'::jsonb))
    loop
      for v_outcome in
        select unnest(array['added', 'changed', 'unchanged', 'missing', 'restored', 'held', 'invalid',
                            'unpriced', 'variable'])
      loop
        v_count := coalesce((v_provider.result -> 'counts' ->> v_outcome)::numeric, 0);
        if v_count > 0 then
          perform pricing_bump_total('models', v_provider.provider, v_outcome, v_count);
        end if;
      end loop;
      v_count := coalesce((v_provider.result -> 'counts' ->> 'price_up')::numeric, 0);
      if v_count > 0 then
        perform pricing_bump_total('price_changes', v_provider.provider, 'up', v_count);
      end if;
      v_count := coalesce((v_provider.result -> 'counts' ->> 'price_down')::numeric, 0);
      if v_count > 0 then
        perform pricing_bump_total('price_changes', v_provider.provider, 'down', v_count);
      end if;

      if jsonb_typeof(v_provider.result -> 'error') = 'object' then
        perform pricing_bump_total('provider_errors', v_provider.provider,
                                   v_provider.result -> 'error' ->> 'reason', 1);
      end if;

      -- A provider that applied already updated its row in pricing_commit_provider.
      if not coalesce((v_provider.result ->> 'applied')::boolean, false) then
        insert into pricing_providers as p (provider, last_attempt_at, last_run_id, last_error_reason,
                                            last_error, held_count, held_changes, updated_at)
        values (v_provider.provider, v_run.finished_at, p_run_id,
                v_provider.result -> 'error' ->> 'reason', v_provider.result -> 'error' ->> 'message',
                coalesce(jsonb_array_length(v_provider.result -> 'held_changes'), 0),
                coalesce(v_provider.result -> 'held_changes', '[]'::jsonb), v_run.finished_at)
        on conflict (provider) do update set
          last_attempt_at = excluded.last_attempt_at,
          last_run_id = excluded.last_run_id,
          last_error_reason = excluded.last_error_reason,
          last_error = excluded.last_error,
          held_count = excluded.held_count,
          held_changes = excluded.held_changes,
          updated_at = excluded.updated_at;
      end if;
    end loop;
  end if;

  update pricing_sync_lease set run_id = null, acquired_at = null, expires_at = null
   where id = 1 and run_id = p_run_id;

  return jsonb_build_object('finished', true, 'run', jsonb_build_object(
    'id', v_run.id, 'status', v_run.status, 'started_at', v_run.started_at,
    'finished_at', v_run.finished_at, 'duration_seconds', v_run.duration_seconds));
end;
$$;

-- Status for the admin endpoint: the lease and its run, recent runs, the last cron run, providers.
create function public.pricing_read_status(p_recent integer)
returns jsonb
language sql
stable
security definer
set search_path = public, pg_temp
as $$
  select jsonb_build_object(
    'now', clock_timestamp(),
    'in_progress', (
      select jsonb_build_object('run_id', r.id, 'trigger', r.trigger, 'triggered_by', r.triggered_by,
                                'started_at', r.started_at, 'expires_at', l.expires_at, 'dry_run', r.dry_run)
        from pricing_sync_lease l join pricing_sync_runs r on r.id = l.run_id
       where l.id = 1 and l.expires_at > clock_timestamp()),
    'recent_runs', coalesce((
      select jsonb_agg(to_jsonb(r) order by r.id desc)
        from (select * from pricing_sync_runs order by id desc limit greatest(coalesce(p_recent, 10), 0)) r), '[]'::jsonb),
    'last_cron_run', (
      select jsonb_build_object('id', r.id, 'status', r.status, 'started_at', r.started_at,
                                'finished_at', r.finished_at)
        from pricing_sync_runs r where r.trigger = 'cron' order by r.started_at desc, r.id desc limit 1),
    'providers', (select coalesce(jsonb_agg(to_jsonb(p) order by p.provider), '[]'::jsonb) from pricing_providers p)
  );
$$;

-- Everything /metrics needs, read at a cost independent of how many runs are stored.
create function public.pricing_read_metrics()
returns jsonb
language sql
stable
security definer
set search_path = public, pg_temp
as $$
  select jsonb_build_object(
    'totals', (select coalesce(jsonb_agg(jsonb_build_array(t.metric, t.label1, t.label2, trim_scale(t.value)::text)
                                         order by t.metric, t.label1, t.label2), '[]'::jsonb)
                 from pricing_metric_totals t),
    'providers', (select coalesce(jsonb_agg(jsonb_build_object(
                    'provider', p.provider, 'last_success_at', p.last_success_at,
                    'models_by_state', p.models_by_state, 'held_count', p.held_count) order by p.provider), '[]'::jsonb)
                    from pricing_providers p),
    'in_progress', exists (select 1 from pricing_sync_lease l
                            where l.id = 1 and l.run_id is not null and l.expires_at > clock_timestamp())
  );
$$;

-- Deletes finished runs older than the given age. History and totals stay: counters never go down.
create function public.pricing_prune_runs(p_older_than_seconds bigint)
returns jsonb
language plpgsql
security definer
set search_path = public, pg_temp
as $$
declare
  v_deleted integer;
begin
  if p_older_than_seconds is null or p_older_than_seconds < 0 then
    raise exception 'older-than must be a non-negative number of seconds' using errcode = '22023';
  end if;
  delete from pricing_sync_runs
   where status <> 'running'
     and started_at < clock_timestamp() - make_interval(secs => p_older_than_seconds);
  get diagnostics v_deleted = row_count;
  return jsonb_build_object('deleted', v_deleted);
end;
$$;

-- A cheap round trip for health checks.
create function public.pricing_ping()
returns jsonb
language sql
stable
security definer
set search_path = public, pg_temp
as $$
  select jsonb_build_object('ok', true, 'now', clock_timestamp());
$$;

-- EXECUTE for the server key only. Supabase grants it to anon and authenticated by default.
revoke execute on function
  public.pricing_bump_total(text, text, text, numeric),
  public.pricing_prices_json(public.model_pricing),
  public.pricing_take_lease(text, text, boolean, boolean, text[], integer),
  public.pricing_release_lease(bigint),
  public.pricing_assert_lease(bigint),
  public.pricing_read_providers(),
  public.pricing_read_models(text),
  public.pricing_stage_chunk(bigint, text, integer, jsonb),
  public.pricing_commit_provider(bigint, text, jsonb, text[], text, jsonb, text),
  public.pricing_finish_run(bigint, text, jsonb, text),
  public.pricing_read_status(integer),
  public.pricing_read_metrics(),
  public.pricing_prune_runs(bigint),
  public.pricing_ping()
  from public, anon, authenticated;

grant execute on function
  public.pricing_take_lease(text, text, boolean, boolean, text[], integer),
  public.pricing_release_lease(bigint),
  public.pricing_read_providers(),
  public.pricing_read_models(text),
  public.pricing_stage_chunk(bigint, text, integer, jsonb),
  public.pricing_commit_provider(bigint, text, jsonb, text[], text, jsonb, text),
  public.pricing_finish_run(bigint, text, jsonb, text),
  public.pricing_read_status(integer),
  public.pricing_read_metrics(),
  public.pricing_prune_runs(bigint),
  public.pricing_ping()
  to service_role;
