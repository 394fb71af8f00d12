-- The identity sequences behind pricing_sync_runs.id and model_pricing_history.id were left with
-- Supabase's default privileges (anon and authenticated get ALL on new sequences): an
-- authenticated user could setval() the run id sequence to its maximum and make every later run
-- fail. Nothing outside the SQL functions (which run as the owner) needs them.
revoke all on sequence public.pricing_sync_runs_id_seq, public.model_pricing_history_id_seq
  from public, anon, authenticated, service_role;
