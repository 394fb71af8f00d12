-- pricing-sync: the tables. Every price is numeric; nothing is ever a float.
-- Only the server key (service_role) may touch anything: RLS on every table, nothing granted to
-- anon or authenticated, and the identity sequences revoked from every role but the owner (the
-- SQL functions, which run as the owner, are the only writers).
--
-- The functions live in the files after this one, by concern; supabase/schema.sql shows the whole
-- schema as a fresh migrate leaves it.

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

-- A row's prices (everything whose change is a price change), compared as one value: a change of
-- context length or alias alone is a change of the row but not of its prices. Adding a price
-- column: the column in model_pricing, a field here and in pricing_prices_doc, and the functions
-- that map between them (pricing_prices_of, pricing_prices_json, pricing_commit_provider's
-- incoming columns and its insert/update lists, pricing_read_models).
create type public.pricing_prices as (
  state text,
  input numeric,
  output numeric,
  cache_read numeric,
  cache_write numeric,
  request numeric,
  image numeric,
  extra jsonb,
  tiers jsonb
);

-- The history document of a row's prices: its field names are the document's keys.
create type public.pricing_prices_doc as (
  state text,
  input_price_per_1m_tokens text,
  output_price_per_1m_tokens text,
  cache_read_price_per_1m_tokens text,
  cache_write_price_per_1m_tokens text,
  request_price text,
  image_price text,
  extra_prices jsonb,
  pricing_tiers jsonb,
  context_length integer,
  alias_of text
);

-- Current prices: one row per (provider, model_id). Keeps the seed's column names so its
-- verification query runs as written. updated_at is the time of the last change of a price or of
-- the state, never of a mere fetch.
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

-- Every run: a sync (cron, manual, cli) or an operator's action (approve, reject, pin, rollback).
-- rollback_of: for a rollback run, the run it reverted.
create table public.pricing_sync_runs (
  id bigint generated always as identity primary key,
  trigger text not null
    constraint pricing_sync_runs_trigger_check
    check (trigger in ('cron', 'manual', 'cli', 'approve', 'reject', 'pin', 'rollback')),
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
  error text,
  rollback_of bigint
);
create index pricing_sync_runs_trigger_started_idx on public.pricing_sync_runs (trigger, started_at desc);
create index pricing_sync_runs_started_idx on public.pricing_sync_runs (started_at desc);

-- Append-only, effective-dated history of every price change, in commit order (every writer holds
-- the lease row for its whole transaction).
create table public.model_pricing_history (
  id bigint generated always as identity primary key,
  run_id bigint not null,
  provider text not null,
  model_id text not null,
  kind text not null
    constraint model_pricing_history_kind_check
    check (kind in ('added', 'changed', 'missing', 'restored', 'approved', 'pinned', 'unpinned', 'rolled_back')),
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
-- The rolled-back values a sync must hold instead of re-applying (pricing_read_operator_state).
create index model_pricing_history_rolled_back_idx on public.model_pricing_history (provider, model_id, id desc)
  where kind = 'rolled_back';

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

-- A version of the prices in force. Every transaction that writes a served price (model_pricing,
-- the LiteLLM entries, a pin) bumps it through the triggers in the prices file, so an ETag built
-- from it changes whenever a reader could see something new and never otherwise.
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

-- A run's LiteLLM entries, staged in chunks as soon as the catalog is fetched and written by the
-- litellm commit in its own transaction. A chunk lives for seconds: stored uncompressed.
create table public.pricing_litellm_entries_stage (
  run_id bigint not null,
  chunk_no integer not null,
  entries jsonb not null,
  primary key (run_id, chunk_no)
);
alter table public.pricing_litellm_entries_stage alter column entries set storage external;

-- Held changes, one row per proposal. Prices are stored in the history's shape
-- (pricing_prices_json): a model row's current and proposed prices; a provider-level hold
-- (catalog_shrank, empty_catalog) has model_id null and proposed {"missing": [ids it would mark]}.
create table public.pricing_held_changes (
  id bigint generated always as identity primary key,
  provider text not null,
  model_id text,
  reason text not null
    check (reason in ('price_swing', 'catalog_shrank', 'empty_catalog', 'new_model_price', 'rolled_back')),
  detail text,
  current_prices jsonb,
  proposed_prices jsonb not null,
  status text not null default 'pending'
    check (status in ('pending', 'approved', 'rejected', 'superseded', 'withdrawn')),
  first_run_id bigint not null,
  last_run_id bigint not null,
  first_held_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  decided_by text,
  decided_at timestamptz,
  decided_run_id bigint,
  note text
);
-- At most one pending proposal per model (and one per provider for provider-level holds).
create unique index pricing_held_changes_pending_idx
  on public.pricing_held_changes (provider, coalesce(model_id, '')) where status = 'pending';
create index pricing_held_changes_model_idx on public.pricing_held_changes (provider, model_id, id desc);
create index pricing_held_changes_status_idx on public.pricing_held_changes (status, id desc);

-- Pins: an operator's price for a model. The stored price is the pin; syncs never overwrite it and
-- record the provider's price here, so drift can be shown and unpinning can apply it at once.
create table public.pricing_pins (
  provider text not null,
  model_id text not null,
  prices jsonb not null,
  reason text not null,
  pinned_by text not null,
  pinned_at timestamptz not null default now(),
  expires_at timestamptz,
  run_id bigint not null,
  -- The provider's latest price (history shape): the stored price when pinned, then each sync's.
  provider_prices jsonb,
  provider_seen_at timestamptz,
  -- Since when provider_prices differ from the pin; null while they agree.
  drift_since timestamptz,
  primary key (provider, model_id)
);

-- Access control: RLS on everything, nothing for anon/authenticated, reads for the server key.
alter table public.model_pricing enable row level security;
alter table public.pricing_providers enable row level security;
alter table public.pricing_sync_runs enable row level security;
alter table public.model_pricing_history enable row level security;
alter table public.pricing_sync_lease enable row level security;
alter table public.pricing_apply_stage enable row level security;
alter table public.pricing_metric_totals enable row level security;
alter table public.pricing_price_version enable row level security;
alter table public.pricing_litellm_entries enable row level security;
alter table public.pricing_litellm_entries_stage enable row level security;
alter table public.pricing_held_changes enable row level security;
alter table public.pricing_pins enable row level security;

revoke all on public.model_pricing, public.pricing_providers, public.pricing_sync_runs,
  public.model_pricing_history, public.pricing_sync_lease, public.pricing_apply_stage,
  public.pricing_metric_totals, public.pricing_price_version, public.pricing_litellm_entries,
  public.pricing_litellm_entries_stage, public.pricing_held_changes, public.pricing_pins
  from anon, authenticated;
grant select on public.model_pricing, public.pricing_providers, public.pricing_sync_runs,
  public.model_pricing_history, public.pricing_metric_totals
  to service_role;

-- Supabase grants ALL on new sequences to anon and authenticated: an authenticated user could
-- setval() the run id sequence to its maximum and make every later run fail. Nothing outside the
-- SQL functions (which run as the owner) needs them.
revoke all on sequence public.pricing_sync_runs_id_seq, public.model_pricing_history_id_seq,
  public.pricing_held_changes_id_seq
  from public, anon, authenticated, service_role;

-- Plain Postgres has no BYPASSRLS service_role as Supabase does: let it read through a policy.
create policy service_role_read on public.model_pricing for select to service_role using (true);
create policy service_role_read on public.pricing_providers for select to service_role using (true);
create policy service_role_read on public.pricing_sync_runs for select to service_role using (true);
create policy service_role_read on public.model_pricing_history for select to service_role using (true);
create policy service_role_read on public.pricing_metric_totals for select to service_role using (true);
