-- /metrics: everything a scrape reads, in one call.

-- Everything a scrape reads: the monotonic totals, and per provider the pending held changes
-- (counted through pricing_held_changes' partial unique index on pending rows, so the cost does
-- not grow with history), the oldest one's first_held_at, and the pins and pins in drift.
create or replace function public.pricing_read_metrics()
returns jsonb language sql stable security definer set search_path = ''
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
                            where l.id = 1 and l.run_id is not null and l.expires_at > clock_timestamp()),
    'now', clock_timestamp(),
    'held', (select coalesce(jsonb_agg(jsonb_build_object('provider', h.provider, 'pending', h.pending,
                                                          'oldest_first_held_at', h.oldest) order by h.provider), '[]'::jsonb)
               from (select provider, count(*) as pending, min(first_held_at) as oldest
                       from public.pricing_held_changes where status = 'pending' group by provider) h),
    'pins', (select coalesce(jsonb_agg(jsonb_build_object('provider', x.provider, 'pinned', x.pinned,
                                                          'drifting', x.drifting) order by x.provider), '[]'::jsonb)
               from (select provider, count(*) as pinned, count(drift_since) as drifting
                       from public.pricing_pins group by provider) x)
  );
$$;

-- EXECUTE for the server key only: revoked from the roles Supabase grants it to by default.
revoke execute on function
  public.pricing_read_metrics
  from public, anon, authenticated;

grant execute on function
  public.pricing_read_metrics
  to service_role;
