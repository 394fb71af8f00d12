-- pricing-sync: tables. Every price is numeric; nothing is ever a float.
-- Only the server key (service_role) may touch anything: RLS on, no grants to anon/authenticated.

-- Supabase has these roles already; a plain Postgres (local, tests) gets harmless NOLOGIN ones so
-- that the grants and revokes below mean the same thing everywhere.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin;
  end if;
end
$$;

-- Current prices: one row per (provider, model_id). Keeps the seed's column names so its
-- verification query runs as written. updated_at is the time of the last price change.
create table public.model_pricing (
  provider text not null,
  model_id text not null,
  state text not null check (state in ('active', 'variable', 'unpriced', 'missing')),
  input_price_per_1m_tokens numeric,
  output_price_per_1m_tokens numeric,
  cache_read_price_per_1m_tokens numeric,
  cache_write_price_per_1m_tokens numeric,
  request_price numeric,
  image_price numeric,
  extra_prices jsonb not null default '{}'::jsonb,
  pricing_tiers jsonb not null default '[]'::jsonb,
  context_length integer,
  alias_of text,
  source text not null,
  first_seen_at timestamptz not null default now(),
  missing_since timestamptz,
  updated_at timestamptz not null default now(),
  primary key (provider, model_id)
);
create index model_pricing_updated_at_idx on public.model_pricing (updated_at desc);

-- One row per provider: "when did we last see this catalog" lives here, so an unchanged catalog
-- updates this one row instead of every model row.
create table public.pricing_providers (
  provider text primary key,
  last_attempt_at timestamptz,
  last_success_at timestamptz,
  last_run_id bigint,
  catalog_hash text,
  last_error_reason text,
  last_error text,
  models_by_state jsonb not null default '{}'::jsonb,
  held_count integer not null default 0,
  held_changes jsonb not null default '[]'::jsonb,
  updated_at timestamptz not null default now()
);

create table public.pricing_sync_runs (
  id bigint generated always as identity primary key,
  trigger text not null check (trigger in ('cron', 'manual', 'cli')),
  triggered_by text,
  status text not null default 'running'
    check (status in ('running', 'success', 'partial', 'failed', 'abandoned')),
  dry_run boolean not null default false,
  forced boolean not null default false,
  providers text[] not null default '{}',
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  duration_seconds numeric,
  results jsonb not null default '{}'::jsonb,
  error text
);
create index pricing_sync_runs_trigger_started_idx on public.pricing_sync_runs (trigger, started_at desc);
create index pricing_sync_runs_started_idx on public.pricing_sync_runs (started_at desc);

-- Append-only, effective-dated history of every price change.
create table public.model_pricing_history (
  id bigint generated always as identity primary key,
  run_id bigint not null,
  provider text not null,
  model_id text not null,
  kind text not null check (kind in ('added', 'changed', 'missing', 'restored')),
  old_state text,
  new_state text not null,
  old_input_price_per_1m_tokens numeric,
  new_input_price_per_1m_tokens numeric,
  old_output_price_per_1m_tokens numeric,
  new_output_price_per_1m_tokens numeric,
  old_prices jsonb,
  new_prices jsonb not null,
  effective_at timestamptz not null default now()
);
create index model_pricing_history_model_idx on public.model_pricing_history (provider, model_id, effective_at desc);
create index model_pricing_history_run_idx on public.model_pricing_history (run_id);

-- The lease: exactly one row. A run holds it until released or until it expires.
create table public.pricing_sync_lease (
  id integer primary key check (id = 1),
  run_id bigint,
  acquired_at timestamptz,
  expires_at timestamptz
);
insert into public.pricing_sync_lease (id) values (1);

-- Rows of a large apply, staged chunk by chunk under the run before one commit call applies them.
-- Each supabase-js RPC is its own transaction, so staging keeps the apply all-or-nothing.
create table public.pricing_apply_stage (
  run_id bigint not null,
  provider text not null,
  chunk_no integer not null,
  rows jsonb not null,
  primary key (run_id, provider, chunk_no)
);

-- Monotonic totals that /metrics reads. Bumped in the transaction that finishes a run; never
-- decremented, and pruning run history leaves them as they are.
--   runs            (trigger, status)
--   models          (provider, outcome)
--   price_changes   (provider, direction)
--   provider_errors (provider, reason)
--   duration_bucket (trigger, le)   non-cumulative count per bucket; le in 1..900 or +Inf
--   duration_sum    (trigger, '')   seconds
--   duration_count  (trigger, '')
create table public.pricing_metric_totals (
  metric text not null check (metric in
    ('runs', 'models', 'price_changes', 'provider_errors', 'duration_bucket', 'duration_sum', 'duration_count')),
  label1 text not null,
  label2 text not null default '',
  value numeric not null default 0,
  primary key (metric, label1, label2)
);

-- Access control: RLS on everything, nothing for anon/authenticated, reads for the server key.
alter table public.model_pricing enable row level security;
alter table public.pricing_providers enable row level security;
alter table public.pricing_sync_runs enable row level security;
alter table public.model_pricing_history enable row level security;
alter table public.pricing_sync_lease enable row level security;
alter table public.pricing_apply_stage enable row level security;
alter table public.pricing_metric_totals enable row level security;

revoke all on public.model_pricing, public.pricing_providers, public.pricing_sync_runs,
  public.model_pricing_history, public.pricing_sync_lease, public.pricing_apply_stage,
  public.pricing_metric_totals
  from anon, authenticated;
grant select on public.model_pricing, public.pricing_providers, public.pricing_sync_runs,
  public.model_pricing_history, public.pricing_metric_totals
  to service_role;

-- Plain Postgres has no BYPASSRLS service_role as Supabase does: let it read through a policy.
create policy service_role_read on public.model_pricing for select to service_role using (true);
create policy service_role_read on public.pricing_providers for select to service_role using (true);
create policy service_role_read on public.pricing_sync_runs for select to service_role using (true);
create policy service_role_read on public.model_pricing_history for select to service_role using (true);
create policy service_role_read on public.pricing_metric_totals for select to service_role using (true);
