-- Reads: providers, models, status, metrics, ping. Restated whole, every object schema-qualified,
-- search_path empty.

-- Every provider row, small: drives the unchanged-catalog shortcut.
create or replace function public.pricing_read_providers()
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(jsonb_agg(to_jsonb(p) order by p.provider), '[]'::jsonb) from public.pricing_providers p;
$$;

-- A provider's stored models in a compact form: one array per model,
-- [model_id, state, input, output, cache_read, cache_write, request, image, extra_prices,
--  pricing_tiers, context_length, alias_of], prices as decimal strings.
create or replace function public.pricing_read_models(p_provider text)
returns jsonb
language sql
stable
security definer
set search_path = ''
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
  from public.model_pricing m
  where m.provider = p_provider;
$$;

-- Status for the admin endpoint: the lease and its run, recent runs, the last cron run, providers.
create or replace function public.pricing_read_status(p_recent integer)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select jsonb_build_object(
    'now', clock_timestamp(),
    'in_progress', (
      select jsonb_build_object('run_id', r.id, 'trigger', r.trigger, 'triggered_by', r.triggered_by,
                                'started_at', r.started_at, 'expires_at', l.expires_at, 'dry_run', r.dry_run)
        from public.pricing_sync_lease l join public.pricing_sync_runs r on r.id = l.run_id
       where l.id = 1 and l.expires_at > clock_timestamp()),
    'recent_runs', coalesce((
      select jsonb_agg(to_jsonb(r) order by r.id desc)
        from (select * from public.pricing_sync_runs order by id desc
               limit greatest(coalesce(p_recent, 10), 0)) r), '[]'::jsonb),
    'last_cron_run', (
      select jsonb_build_object('id', r.id, 'status', r.status, 'started_at', r.started_at,
                                'finished_at', r.finished_at)
        from public.pricing_sync_runs r where r.trigger = 'cron' order by r.started_at desc, r.id desc limit 1),
    'providers', (select coalesce(jsonb_agg(to_jsonb(p) order by p.provider), '[]'::jsonb)
                    from public.pricing_providers p)
  );
$$;

-- Everything /metrics needs, read at a cost independent of how many runs are stored.
create or replace function public.pricing_read_metrics()
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select jsonb_build_object(
    'totals', (select coalesce(jsonb_agg(jsonb_build_array(t.metric, t.label1, t.label2, trim_scale(t.value)::text)
                                         order by t.metric, t.label1, t.label2), '[]'::jsonb)
                 from public.pricing_metric_totals t),
    'providers', (select coalesce(jsonb_agg(jsonb_build_object(
                    'provider', p.provider, 'last_success_at', p.last_success_at,
                    'models_by_state', p.models_by_state, 'held_count', p.held_count) order by p.provider), '[]'::jsonb)
                    from public.pricing_providers p),
    'in_progress', exists (select 1 from public.pricing_sync_lease l
                            where l.id = 1 and l.run_id is not null and l.expires_at > clock_timestamp())
  );
$$;

-- A cheap round trip for health checks.
create or replace function public.pricing_ping()
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select jsonb_build_object('ok', true, 'now', clock_timestamp());
$$;

revoke execute on function
  public.pricing_read_providers(),
  public.pricing_read_models(text),
  public.pricing_read_status(integer),
  public.pricing_read_metrics(),
  public.pricing_ping()
  from public, anon, authenticated;
grant execute on function
  public.pricing_read_providers(),
  public.pricing_read_models(text),
  public.pricing_read_status(integer),
  public.pricing_read_metrics(),
  public.pricing_ping()
  to service_role;
