/**
 * The SQL functions of supabase/migrations and their arguments, in one place: the arguments each
 * takes as TypeScript sees them (snake_case, as named in SQL: this is the wire) and their Postgres
 * types. The postgres and PGlite adapters call a function the way PostgREST does: named arguments
 * read from one JSON object with `jsonb_to_record`, so all three adapters send the same arguments.
 */

import { toStoreError } from './store-error.js';

type NoArguments = Record<string, never>;

/** Each function's arguments, as sent. */
export interface SqlFunctionArgs {
  pricing_take_lease: {
    p_trigger: string;
    p_triggered_by: string | null;
    p_dry_run: boolean;
    p_forced: boolean;
    p_providers: readonly string[];
    p_lease_seconds: number;
  };
  pricing_reap_lease: NoArguments;
  pricing_read_providers: NoArguments;
  pricing_read_models: { p_provider: string };
  pricing_stage_chunk: {
    p_run_id: number;
    p_provider: string;
    p_chunk_no: number;
    p_rows: readonly object[];
  };
  pricing_commit_provider: {
    p_run_id: number;
    p_provider: string;
    p_rows: readonly object[];
    p_missing: readonly string[];
    p_catalog_hash: string | null;
    p_held: { count: number; changes: readonly unknown[] };
    p_source: string;
  };
  pricing_set_catalog_hash: { p_run_id: number; p_provider: string; p_catalog_hash: string };
  pricing_finish_run: {
    p_run_id: number;
    p_status: string;
    p_results: Record<string, unknown>;
    p_error: string | null;
  };
  pricing_read_status: { p_recent: number };
  pricing_read_metrics: NoArguments;
  pricing_prune_runs: { p_older_than_seconds: number };
  pricing_ping: NoArguments;
  pricing_stage_litellm_entries: {
    p_run_id: number;
    p_chunk_no: number;
    p_entries: Record<string, Record<string, unknown>>;
  };
  pricing_commit_litellm: {
    p_run_id: number;
    p_rows: readonly object[];
    p_missing: readonly string[];
    p_catalog_hash: string | null;
    p_held: { count: number; changes: readonly unknown[] };
    p_source: string;
    p_entries: Record<string, Record<string, unknown>>;
    p_held_models: readonly string[];
  };
  pricing_read_prices: {
    p_providers: readonly string[] | null;
    p_model_id: string | null;
    p_states: readonly string[] | null;
    p_updated_since: string | null;
    p_after_provider: string | null;
    p_after_model_id: string | null;
    p_limit: number;
    p_known_version: string | null;
  };
  pricing_read_litellm_map: { p_known_version: string | null };
  // Operator control (lib/db/operator-store.ts).
  pricing_read_held: {
    p_status: string | null;
    p_provider: string | null;
    p_before_id: number | null;
    p_limit: number;
  };
  pricing_decide_held: {
    p_action: string;
    p_ids: readonly number[];
    p_decided_by: string;
    p_note: string | null;
  };
  pricing_record_sync_holds: {
    p_run_id: number;
    p_provider: string;
    p_held: readonly object[];
    p_complete: boolean;
    p_keep: readonly string[];
    p_pinned: readonly object[];
  };
  pricing_read_operator_state: { p_run_id: number | null; p_provider: string };
  pricing_read_runs: { p_before: number | null; p_limit: number };
  pricing_rollback_run: { p_run_id: number; p_force: boolean; p_triggered_by: string };
  pricing_read_pins: { p_provider: string | null };
  pricing_set_pin: {
    p_provider: string;
    p_model_id: string;
    p_prices: object;
    p_reason: string;
    p_expires_at: string | null;
    p_pinned_by: string;
  };
  pricing_remove_pin: { p_provider: string; p_model_id: string; p_removed_by: string };
  pricing_read_prices_at: {
    p_providers: readonly string[] | null;
    p_model_id: string | null;
    p_at: string | null;
    p_after_provider: string | null;
    p_after_model_id: string | null;
    p_limit: number;
  };
  pricing_read_price_history: {
    p_provider: string | null;
    p_model_id: string;
    p_before_id: number | null;
    p_limit: number;
  };
}

export type SqlFunctionName = keyof SqlFunctionArgs;

/** Each function's arguments with their Postgres types, in the order the function declares them. */
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
  pricing_set_catalog_hash: { p_run_id: 'bigint', p_provider: 'text', p_catalog_hash: 'text' },
  pricing_finish_run: { p_run_id: 'bigint', p_status: 'text', p_results: 'jsonb', p_error: 'text' },
  pricing_read_status: { p_recent: 'integer' },
  pricing_read_metrics: {},
  pricing_prune_runs: { p_older_than_seconds: 'bigint' },
  pricing_ping: {},
  pricing_stage_litellm_entries: { p_run_id: 'bigint', p_chunk_no: 'integer', p_entries: 'jsonb' },
  pricing_commit_litellm: {
    p_run_id: 'bigint',
    p_rows: 'jsonb',
    p_missing: 'text[]',
    p_catalog_hash: 'text',
    p_held: 'jsonb',
    p_source: 'text',
    p_entries: 'jsonb',
    p_held_models: 'text[]',
  },
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
  // Operator control (lib/db/operator-store.ts).
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
} as const satisfies { [Name in SqlFunctionName]: Record<keyof SqlFunctionArgs[Name], string> };

/**
 * One call through plain SQL, as the postgres and PGlite adapters make it: `run` sends the
 * statement with its parameters and returns the rows. Whatever the driver throws becomes a
 * StoreError, once, here.
 */
export async function callThroughSql(
  name: SqlFunctionName,
  args: object,
  run: (statement: string, parameters: unknown[]) => Promise<{ result: unknown }[]>,
): Promise<unknown> {
  assertArguments(name, args);
  try {
    const rows = await run(callStatement(name), parametersOf(name, args));
    return rows[0]?.result ?? null;
  } catch (error) {
    throw toStoreError(error, name);
  }
}

/** `select public.fn(p_a := x.p_a, …) as result from jsonb_to_record($1::jsonb) as x(p_a text, …)` */
export function callStatement(name: SqlFunctionName): string {
  const parameters = Object.entries(SQL_FUNCTIONS[name]);
  if (parameters.length === 0) return `select public.${name}() as result`;
  const named = parameters.map(([parameter]) => `${parameter} := x.${parameter}`).join(', ');
  const columns = parameters.map(([parameter, type]) => `${parameter} ${type}`).join(', ');
  return `select public.${name}(${named}) as result from jsonb_to_record($1::jsonb) as x(${columns})`;
}

/** Checks that the caller passes exactly the function's arguments: a typo must not become a null. */
export function assertArguments(name: SqlFunctionName, args: object): void {
  const expected = Object.keys(SQL_FUNCTIONS[name]);
  const unknown = Object.keys(args).filter((key) => !expected.includes(key));
  if (unknown.length > 0) throw new Error(`${name}: unknown argument(s) ${unknown.join(', ')}`);
}

/** The bound parameters for callStatement: the arguments as one JSON text, or none. */
export function parametersOf(name: SqlFunctionName, args: object): unknown[] {
  return Object.keys(SQL_FUNCTIONS[name]).length === 0 ? [] : [JSON.stringify(args)];
}
