/**
 * The SQL functions of supabase/migrations and their argument types, in one place. The postgres
 * and PGlite adapters call a function the way PostgREST does: named arguments read from one JSON
 * object with `jsonb_to_record`, so all three adapters send the same arguments.
 */
export const SQL_FUNCTIONS = {
  pricing_take_lease: {
    p_trigger: 'text',
    p_triggered_by: 'text',
    p_dry_run: 'boolean',
    p_forced: 'boolean',
    p_providers: 'text[]',
    p_lease_seconds: 'integer',
  },
  pricing_reap_lease: {},
  pricing_read_providers: {},
  pricing_read_models: { p_provider: 'text' },
  pricing_stage_chunk: { p_run_id: 'bigint', p_provider: 'text', p_chunk_no: 'integer', p_rows: 'jsonb' },
  pricing_commit_provider: {
    p_run_id: 'bigint',
    p_provider: 'text',
    p_rows: 'jsonb',
    p_missing: 'text[]',
    p_catalog_hash: 'text',
    p_held: 'jsonb',
    p_source: 'text',
  },
  pricing_finish_run: { p_run_id: 'bigint', p_status: 'text', p_results: 'jsonb', p_error: 'text' },
  pricing_read_status: { p_recent: 'integer' },
  pricing_read_metrics: {},
  pricing_prune_runs: { p_older_than_seconds: 'bigint' },
  pricing_ping: {},
  pricing_put_litellm_entries: { p_run_id: 'bigint', p_entries: 'jsonb' },
  pricing_read_prices: {
    p_providers: 'text[]',
    p_model_id: 'text',
    p_states: 'text[]',
    p_updated_since: 'timestamptz',
    p_after_provider: 'text',
    p_after_model_id: 'text',
    p_limit: 'integer',
    p_known_version: 'bigint',
  },
  pricing_read_litellm_map: { p_known_version: 'bigint' },
  // Operator control (lib/operator/operator-store.ts).
  pricing_read_held: { p_status: 'text', p_provider: 'text', p_before_id: 'bigint', p_limit: 'integer' },
  pricing_decide_held: { p_action: 'text', p_ids: 'bigint[]', p_decided_by: 'text', p_note: 'text' },
  pricing_record_sync_holds: {
    p_run_id: 'bigint',
    p_provider: 'text',
    p_held: 'jsonb',
    p_complete: 'boolean',
    p_keep: 'text[]',
    p_pinned: 'jsonb',
  },
  pricing_read_operator_state: { p_run_id: 'bigint', p_provider: 'text' },
  pricing_read_runs: { p_before: 'bigint', p_limit: 'integer' },
  pricing_rollback_run: { p_run_id: 'bigint', p_force: 'boolean', p_triggered_by: 'text' },
  pricing_read_pins: { p_provider: 'text' },
  pricing_set_pin: {
    p_provider: 'text',
    p_model_id: 'text',
    p_prices: 'jsonb',
    p_reason: 'text',
    p_expires_at: 'timestamptz',
    p_pinned_by: 'text',
  },
  pricing_remove_pin: { p_provider: 'text', p_model_id: 'text', p_removed_by: 'text' },
  pricing_read_prices_at: {
    p_providers: 'text[]',
    p_model_id: 'text',
    p_at: 'timestamptz',
    p_after_provider: 'text',
    p_after_model_id: 'text',
    p_limit: 'integer',
  },
  pricing_read_price_history: {
    p_provider: 'text',
    p_model_id: 'text',
    p_before_id: 'bigint',
    p_limit: 'integer',
  },
} as const satisfies Record<string, Record<string, string>>;

export type SqlFunctionName = keyof typeof SQL_FUNCTIONS;
export type SqlFunctionArgs = Record<string, unknown>;

/** `select public.fn(p_a := x.p_a, …) as result from jsonb_to_record($1::jsonb) as x(p_a text, …)` */
export function callStatement(name: SqlFunctionName): string {
  const parameters = Object.entries(SQL_FUNCTIONS[name]);
  if (parameters.length === 0) return `select public.${name}() as result`;
  const named = parameters.map(([parameter]) => `${parameter} := x.${parameter}`).join(', ');
  const columns = parameters.map(([parameter, type]) => `${parameter} ${type}`).join(', ');
  return `select public.${name}(${named}) as result from jsonb_to_record($1::jsonb) as x(${columns})`;
}

/** Checks that the caller passes exactly the function's arguments: a typo must not become a null. */
export function assertArguments(name: SqlFunctionName, args: SqlFunctionArgs): void {
  const expected = Object.keys(SQL_FUNCTIONS[name]);
  const unknown = Object.keys(args).filter((key) => !expected.includes(key));
  if (unknown.length > 0) throw new Error(`${name}: unknown argument(s) ${unknown.join(', ')}`);
}

/** The bound parameters for callStatement: the arguments as one JSON text, or none. */
export function parametersOf(name: SqlFunctionName, args: SqlFunctionArgs): unknown[] {
  return Object.keys(SQL_FUNCTIONS[name]).length === 0 ? [] : [JSON.stringify(args)];
}
