-- Webhooks: an outbox written in the same transaction as the change it describes.
--
-- Triggers on the history, the held changes and the runs write the events, so every writer of
-- those tables (each provider's commit, each operator action, a run's finish) writes its events in
-- its own transaction without knowing about webhooks: a change that commits has its event, a
-- change that rolls back has none. Delivery happens after the commit, from TypeScript, through
-- pricing_webhook_claim and pricing_webhook_settle; it never holds the sync lease.
--
-- Order: events are delivered in id order per ordering_key (a provider, or '*' for run-wide events),
-- one at a time: only the oldest undelivered event of a key is ever claimed. Every writer of the
-- history holds the lease row for its whole transaction, and pricing_webhook_note_freshness takes
-- the same row lock, so a key's ids are allocated in commit order.

create table public.pricing_webhook_outbox (
  id bigint generated always as identity primary key,
  -- The Standard Webhooks `webhook-id`: the same on every attempt, unique across databases.
  webhook_id text not null unique default ('msg_' || replace(gen_random_uuid()::text, '-', '')),
  event_type text not null
    check (event_type in ('prices.changed', 'changes.held', 'sync.failed', 'provider.stale', 'provider.fresh')),
  ordering_key text not null,
  -- The writing transaction: one event per (transaction, type, key), however many statements wrote.
  txid bigint not null default txid_current(),
  data jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'dead', 'discarded')),
  attempts integer not null default 0,
  created_at timestamptz not null default clock_timestamp(),
  next_attempt_at timestamptz not null default clock_timestamp(),
  -- A delivery in flight: until claimed_until nobody else sends it; a killed sender's claim expires.
  claimed_until timestamptz,
  claim_token text,
  last_attempt_at timestamptz,
  last_error text,
  finished_at timestamptz
);
create index pricing_webhook_outbox_pending_idx on public.pricing_webhook_outbox (ordering_key, id)
  where status = 'pending';
create index pricing_webhook_outbox_tx_idx on public.pricing_webhook_outbox (txid, event_type, ordering_key)
  where status = 'pending';
create index pricing_webhook_outbox_status_idx on public.pricing_webhook_outbox (status, id desc);

-- The last staleness announced per provider: provider.stale and provider.fresh are sent once per
-- transition.
create table public.pricing_webhook_provider_state (
  provider text primary key,
  stale boolean not null,
  reason text,
  changed_at timestamptz not null
);

-- Monotonic delivery totals for /metrics (pruning the outbox never makes them go down).
create table public.pricing_webhook_totals (
  outcome text primary key check (outcome in ('delivered', 'dead')),
  value bigint not null default 0
);

alter table public.pricing_webhook_outbox enable row level security;
alter table public.pricing_webhook_provider_state enable row level security;
alter table public.pricing_webhook_totals enable row level security;
revoke all on public.pricing_webhook_outbox, public.pricing_webhook_provider_state,
  public.pricing_webhook_totals from anon, authenticated;
revoke all on sequence public.pricing_webhook_outbox_id_seq
  from public, anon, authenticated, service_role;

-- Adds this transaction's part of an event: a new pending row, or merged into the row this
-- transaction already wrote for the same type and key (p_merge combines the two data documents).
create or replace function public.pricing_webhook_write(p_type text, p_key text, p_data jsonb, p_merge text)
returns void language plpgsql security definer set search_path = ''
as $$
declare
  v_id bigint;
  v_old jsonb;
begin
  select id, data into v_id, v_old from public.pricing_webhook_outbox
   where txid = txid_current() and event_type = p_type and ordering_key = p_key and status = 'pending'
   for update;
  if v_id is null then
    insert into public.pricing_webhook_outbox (event_type, ordering_key, data) values (p_type, p_key, p_data);
  elsif p_merge = 'changes' then
    update public.pricing_webhook_outbox set data = public.pricing_webhook_merge_changes(v_old, p_data)
     where id = v_id;
  else
    update public.pricing_webhook_outbox set data = public.pricing_webhook_merge_held(v_old, p_data)
     where id = v_id;
  end if;
end;
$$;

-- Two parts of one transaction's prices.changed: counts added, the id range widened, the inline
-- changes kept to the first 100.
create or replace function public.pricing_webhook_merge_changes(p_old jsonb, p_new jsonb)
returns jsonb language sql immutable set search_path = ''
as $$
  select p_old || jsonb_build_object(
    'total', (p_old ->> 'total')::bigint + (p_new ->> 'total')::bigint,
    'counts', (select coalesce(jsonb_object_agg(k, n), '{}'::jsonb)
                 from (select key as k, sum(value::bigint) as n
                         from (select * from jsonb_each_text(p_old -> 'counts')
                               union all select * from jsonb_each_text(p_new -> 'counts')) c
                        group by key) s),
    'first_history_id', least((p_old ->> 'first_history_id')::bigint, (p_new ->> 'first_history_id')::bigint),
    'last_history_id', greatest((p_old ->> 'last_history_id')::bigint, (p_new ->> 'last_history_id')::bigint),
    'changes', (select coalesce(jsonb_agg(c order by (c ->> 'id')::bigint), '[]'::jsonb)
                  from (select c from jsonb_array_elements((p_old -> 'changes') || (p_new -> 'changes')) c
                         order by (c ->> 'id')::bigint limit 100) x),
    'changes_truncated', (p_old ->> 'total')::bigint + (p_new ->> 'total')::bigint > 100);
$$;

-- Two parts of one transaction's changes.held.
create or replace function public.pricing_webhook_merge_held(p_old jsonb, p_new jsonb)
returns jsonb language sql immutable set search_path = ''
as $$
  select p_old || jsonb_build_object(
    'total', (p_old ->> 'total')::bigint + (p_new ->> 'total')::bigint,
    'held', (select coalesce(jsonb_agg(h order by (h ->> 'id')::bigint), '[]'::jsonb)
               from (select h from jsonb_array_elements((p_old -> 'held') || (p_new -> 'held')) h
                      order by (h ->> 'id')::bigint limit 100) x),
    'held_truncated', (p_old ->> 'total')::bigint + (p_new ->> 'total')::bigint > 100);
$$;

-- prices.changed: one per provider per transaction that appended history (a provider's commit,
-- an approval, a pin, an unpin, a rollback).
create or replace function public.pricing_webhook_on_history()
returns trigger language plpgsql security definer set search_path = ''
as $$
declare
  v_group record;
begin
  for v_group in
    select g.provider,
           jsonb_build_object(
             'provider', g.provider, 'run_id', g.run_id,
             'trigger', (select r.trigger from public.pricing_sync_runs r where r.id = g.run_id),
             'total', g.total, 'first_history_id', g.first_id, 'last_history_id', g.last_id,
             'counts', (select jsonb_object_agg(k.kind, k.n)
                          from (select kind, count(*) as n from new_rows where provider = g.provider
                                 group by kind) k),
             'changes', (select coalesce(jsonb_agg(jsonb_build_object(
                                  'id', c.id, 'model_id', c.model_id, 'kind', c.kind, 'before', c.old_prices,
                                  'after', c.new_prices, 'effective_at', c.effective_at) order by c.id), '[]'::jsonb)
                           from (select * from new_rows where provider = g.provider order by id limit 100) c),
             'changes_truncated', g.total > 100) as data
      from (select provider, min(id) as first_id, max(id) as last_id, count(*) as total, max(run_id) as run_id
              from new_rows group by provider) g
     order by g.provider
  loop
    perform public.pricing_webhook_write('prices.changed', v_group.provider, v_group.data, 'changes');
  end loop;
  return null;
end;
$$;

create trigger pricing_webhook_history after insert on public.model_pricing_history
  referencing new table as new_rows for each statement execute function public.pricing_webhook_on_history();

-- changes.held: one per provider per transaction that opened held changes.
create or replace function public.pricing_webhook_on_held()
returns trigger language plpgsql security definer set search_path = ''
as $$
declare
  v_group record;
begin
  for v_group in
    select g.provider,
           jsonb_build_object(
             'provider', g.provider, 'run_id', g.run_id, 'total', g.total,
             'held', (select coalesce(jsonb_agg(jsonb_build_object(
                               'id', h.id, 'model_id', h.model_id, 'reason', h.reason, 'detail', h.detail,
                               'current', h.current_prices, 'proposed', h.proposed_prices) order by h.id), '[]'::jsonb)
                        from (select * from new_rows where provider = g.provider and status = 'pending'
                               order by id limit 100) h),
             'held_truncated', g.total > 100) as data
      from (select provider, count(*) as total, max(last_run_id) as run_id
              from new_rows where status = 'pending' group by provider) g
     order by g.provider
  loop
    perform public.pricing_webhook_write('changes.held', v_group.provider, v_group.data, 'held');
  end loop;
  return null;
end;
$$;

create trigger pricing_webhook_held after insert on public.pricing_held_changes
  referencing new table as new_rows for each statement execute function public.pricing_webhook_on_held();

-- sync.failed: a sync (not a dry run) that finished failed or partial, with each failed provider's
-- cause, written by the transaction that finishes the run.
create or replace function public.pricing_webhook_on_run()
returns trigger language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.pricing_webhook_outbox (event_type, ordering_key, data)
  values ('sync.failed', '*', jsonb_build_object(
    'run_id', new.id, 'status', new.status, 'trigger', new.trigger, 'error', new.error,
    'started_at', new.started_at, 'finished_at', new.finished_at,
    'providers', (select coalesce(jsonb_object_agg(e.key, jsonb_build_object(
                           'reason', e.value -> 'error' ->> 'reason', 'message', e.value -> 'error' ->> 'message')),
                         '{}'::jsonb)
                    from jsonb_each(case when jsonb_typeof(new.results -> 'providers') = 'object'
                                         then new.results -> 'providers' else '{}'::jsonb end) e
                   where jsonb_typeof(e.value -> 'error') = 'object')));
  return null;
end;
$$;

create trigger pricing_webhook_run after update of status on public.pricing_sync_runs
  for each row
  when (old.status = 'running' and new.status in ('failed', 'partial') and not new.dry_run
        and new.trigger in ('cron', 'manual', 'cli'))
  execute function public.pricing_webhook_on_run();

-- Records each provider's staleness ([{provider, stale, reason}]) and writes provider.stale or
-- provider.fresh for each transition: once per change of state. A provider seen for the first time
-- is announced only if stale. Takes the lease row lock so that its ids follow the writers' commits.
create or replace function public.pricing_webhook_note_freshness(p_states jsonb, p_now timestamptz)
returns jsonb language plpgsql security definer set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, clock_timestamp());
  v_state record;
  v_previous public.pricing_webhook_provider_state%rowtype;
  v_announced jsonb := '[]'::jsonb;
begin
  if jsonb_typeof(p_states) is distinct from 'array' then
    raise exception 'states must be a JSON array' using errcode = '22023';
  end if;
  perform 1 from public.pricing_sync_lease where id = 1 for update;
  for v_state in
    select s.provider, s.stale, s.reason
      from jsonb_to_recordset(p_states) as s(provider text, stale boolean, reason text)
     where s.provider is not null and s.stale is not null
     order by s.provider
  loop
    select * into v_previous from public.pricing_webhook_provider_state where provider = v_state.provider;
    if v_previous.provider is null and not v_state.stale then
      insert into public.pricing_webhook_provider_state (provider, stale, reason, changed_at)
      values (v_state.provider, false, v_state.reason, v_now);
    elsif v_previous.provider is null or v_previous.stale <> v_state.stale then
      insert into public.pricing_webhook_provider_state as p (provider, stale, reason, changed_at)
      values (v_state.provider, v_state.stale, v_state.reason, v_now)
      on conflict (provider) do update set stale = excluded.stale, reason = excluded.reason,
                                           changed_at = excluded.changed_at;
      insert into public.pricing_webhook_outbox (event_type, ordering_key, data, created_at, next_attempt_at)
      values (case when v_state.stale then 'provider.stale' else 'provider.fresh' end, v_state.provider,
              jsonb_build_object('provider', v_state.provider, 'stale', v_state.stale, 'reason', v_state.reason,
                                 'since', v_now), v_now, v_now);
      v_announced := v_announced || jsonb_build_object('provider', v_state.provider, 'stale', v_state.stale);
    end if;
  end loop;
  return jsonb_build_object('announced', v_announced);
end;
$$;

-- Claims up to p_limit events to send now: of each key, only its oldest undelivered event, and only
-- when it is due and nobody else's claim on it is live. A claim lasts p_claim_seconds: a sender that
-- dies leaves its events to the next one. The payload is built here, the same on every attempt.
create or replace function public.pricing_webhook_claim(p_now timestamptz, p_limit integer, p_claim_seconds integer)
returns jsonb language plpgsql security definer set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, clock_timestamp());
  v_claimed jsonb;
begin
  if p_limit is null or p_limit < 1 or p_claim_seconds is null or p_claim_seconds < 1 then
    raise exception 'limit and claim seconds must be positive' using errcode = '22023';
  end if;
  with heads as (
    select distinct on (o.ordering_key) o.id, o.next_attempt_at, o.claimed_until
      from public.pricing_webhook_outbox o
     where o.status = 'pending'
     order by o.ordering_key, o.id
  ), due as (
    select h.id from heads h
     where h.next_attempt_at <= v_now and (h.claimed_until is null or h.claimed_until <= v_now)
     order by h.id limit p_limit
  ), claimed as (
    update public.pricing_webhook_outbox o
       set claimed_until = v_now + make_interval(secs => p_claim_seconds),
           claim_token = replace(gen_random_uuid()::text, '-', '')
      from due
     where o.id = due.id and o.status = 'pending'
       and (o.claimed_until is null or o.claimed_until <= v_now)
    returning o.*
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'id', c.id, 'webhook_id', c.webhook_id, 'type', c.event_type, 'ordering_key', c.ordering_key,
           'attempts', c.attempts, 'created_at', c.created_at, 'claim_token', c.claim_token,
           'data', c.data) order by c.id), '[]'::jsonb)
    into v_claimed from claimed c;
  return jsonb_build_object('events', v_claimed);
end;
$$;

-- Records one attempt of a claimed event: delivered, or failed and retried after a backoff of
-- 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, then 24 h; failing after the 24 h wait, it is dead. A claim
-- that is no longer held (it expired and another sender took it) changes nothing.
create or replace function public.pricing_webhook_settle(
  p_id bigint, p_claim_token text, p_delivered boolean, p_error text, p_now timestamptz)
returns jsonb language plpgsql security definer set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, clock_timestamp());
  v_backoff integer[] := array[60, 300, 1800, 7200, 21600, 43200, 86400];
  v_row public.pricing_webhook_outbox%rowtype;
  v_status text;
begin
  select * into v_row from public.pricing_webhook_outbox
   where id = p_id and status = 'pending' and claim_token = p_claim_token for update;
  if v_row.id is null then
    return jsonb_build_object('status', 'not_claimed', 'next_attempt_at', null);
  end if;
  v_status := case when p_delivered then 'delivered'
                   when v_row.attempts + 1 > array_length(v_backoff, 1) then 'dead'
                   else 'pending' end;
  update public.pricing_webhook_outbox
     set attempts = attempts + 1, last_attempt_at = v_now, status = v_status,
         last_error = case when p_delivered then last_error else left(p_error, 500) end,
         next_attempt_at = case when v_status = 'pending'
                                then v_now + make_interval(secs => v_backoff[v_row.attempts + 1])
                                else next_attempt_at end,
         finished_at = case when v_status = 'pending' then null else v_now end,
         claimed_until = null, claim_token = null
   where id = p_id
  returning * into v_row;
  if v_status <> 'pending' then
    insert into public.pricing_webhook_totals as t (outcome, value) values (v_status, 1)
    on conflict (outcome) do update set value = t.value + 1;
  end if;
  return jsonb_build_object('status', v_status,
                            'next_attempt_at', case when v_status = 'pending' then v_row.next_attempt_at end);
end;
$$;

-- Once per tick: with no webhook URL configured, pending events older than 7 days are discarded
-- (nobody will receive them; a configured receiver's events are dead by then, after about 45 h of
-- retries, so a process started without the URL against a live database takes nothing it needs);
-- events finished more than 30 days ago are deleted (the totals keep their counts).
create or replace function public.pricing_webhook_tidy(p_now timestamptz, p_discard_pending boolean)
returns jsonb language plpgsql security definer set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, clock_timestamp());
  v_discarded integer := 0;
  v_deleted integer;
begin
  if p_discard_pending then
    update public.pricing_webhook_outbox set status = 'discarded', finished_at = v_now,
                                             claimed_until = null, claim_token = null
     where status = 'pending' and created_at < v_now - interval '7 days';
    get diagnostics v_discarded = row_count;
  end if;
  delete from public.pricing_webhook_outbox
   where status <> 'pending' and finished_at < v_now - interval '30 days';
  get diagnostics v_deleted = row_count;
  return jsonb_build_object('discarded', v_discarded, 'deleted', v_deleted);
end;
$$;

-- What status and /metrics show of the outbox, in one call: pending and dead events, the monotonic
-- totals, and the latest dead events.
create or replace function public.pricing_webhook_read_outbox(p_dead_limit integer)
returns jsonb language sql stable security definer set search_path = ''
as $$
  select jsonb_build_object(
    'pending', (select count(*) from public.pricing_webhook_outbox where status = 'pending'),
    'oldest_pending_at', (select min(created_at) from public.pricing_webhook_outbox where status = 'pending'),
    'oldest_pending_age_seconds', (select coalesce(greatest(extract(epoch from clock_timestamp() - min(created_at)), 0), 0)
                                     from public.pricing_webhook_outbox where status = 'pending'),
    'dead', (select count(*) from public.pricing_webhook_outbox where status = 'dead'),
    'delivered_total', coalesce((select value from public.pricing_webhook_totals where outcome = 'delivered'), 0),
    'dead_total', coalesce((select value from public.pricing_webhook_totals where outcome = 'dead'), 0),
    'dead_events', (select coalesce(jsonb_agg(jsonb_build_object(
                             'id', d.id, 'webhook_id', d.webhook_id, 'type', d.event_type,
                             'ordering_key', d.ordering_key, 'attempts', d.attempts, 'created_at', d.created_at,
                             'last_attempt_at', d.last_attempt_at, 'last_error', d.last_error) order by d.id desc),
                           '[]'::jsonb)
                      from (select * from public.pricing_webhook_outbox where status = 'dead'
                             order by id desc limit greatest(coalesce(p_dead_limit, 0), 0)) d));
$$;

-- EXECUTE for the server key only: revoked from the roles Supabase grants it to by default.
revoke execute on function
  public.pricing_webhook_write,
  public.pricing_webhook_merge_changes,
  public.pricing_webhook_merge_held,
  public.pricing_webhook_on_history,
  public.pricing_webhook_on_held,
  public.pricing_webhook_on_run,
  public.pricing_webhook_note_freshness,
  public.pricing_webhook_claim,
  public.pricing_webhook_settle,
  public.pricing_webhook_tidy,
  public.pricing_webhook_read_outbox
  from public, anon, authenticated;

grant execute on function
  public.pricing_webhook_note_freshness,
  public.pricing_webhook_claim,
  public.pricing_webhook_settle,
  public.pricing_webhook_tidy,
  public.pricing_webhook_read_outbox
  to service_role;
