import { z } from 'zod';
import {
  heldSummary,
  liteLlmEntries,
  modelRow,
  pinnedRow,
  pinPrices,
  runResults,
  syncHold,
} from './rpc-arguments.js';
import {
  commitLiteLlmResult,
  commitResult,
  costPrices,
  decodeResult,
  finishResult,
  freshnessSnapshot,
  leaseResult,
  liteLlmMapSource,
  metricsSnapshot,
  pingResult,
  pricesPage,
  providerRows,
  pruneResult,
  reapResult,
  setHashResult,
  stageResult,
  statusSnapshot,
  storedDigestIndex,
  storedDigestRows,
  storedModelRows,
} from './rpc-results.js';
import {
  decideHeldResult,
  heldPage,
  historyPage,
  operatorState,
  pinsPage,
  pricesAtPage,
  recordedHolds,
  removePinResult,
  modelSearchPage,
  rollbackPreviewResult,
  rollbackResult,
  runDetailResult,
  runsPage,
  setPinResult,
} from './operator-results.js';
import { changesPage } from './feed-results.js';
import {
  claimedEvents,
  freshnessResult,
  outboxSnapshot,
  settleResult,
  tidyResult,
} from './webhook-results.js';

/**
 * Every SQL function the service calls, declared once: its arguments in the order the function
 * declares them, each with its Postgres type and a schema of what TypeScript sends (snake_case, as
 * named in SQL: this is the wire), what it returns, and a schema of that result. Everything else
 * follows from this object: the statement the postgres and PGlite adapters send, the types of a
 * call's arguments and of its decoded result, and the decoding itself. tests/db/rpc-catalog.test.ts
 * checks it against Postgres' own pg_proc.
 */

/** The Postgres types the service's SQL functions take. */
export type PgType =
  'text' | 'text[]' | 'boolean' | 'integer' | 'bigint' | 'bigint[]' | 'jsonb' | 'timestamptz';

/** One argument: its Postgres type and the schema of what is sent for it. */
interface Argument<Schema extends z.ZodType = z.ZodType> {
  readonly pg: PgType;
  readonly schema: Schema;
}

interface Declaration {
  /** In the order the SQL function declares them (they are sent by name). */
  readonly args: Arguments;
  /** What the function returns in SQL. */
  readonly returns: 'jsonb' | 'json';
  readonly result: z.ZodType;
}

const arg = <Schema extends z.ZodType>(pg: PgType, schema: Schema): Argument<Schema> => ({ pg, schema });

const text = arg('text', z.string());
const nullableText = arg('text', z.string().nullable());
const texts = arg('text[]', z.array(z.string()).readonly());
const nullableTexts = arg('text[]', z.array(z.string()).readonly().nullable());
const integer = arg('integer', z.number().int());
const bigint = arg('bigint', z.number().int());
const nullableBigint = arg('bigint', z.number().int().nullable());
const boolean = arg('boolean', z.boolean());
/** A timestamp as ISO text. */
const nullableTimestamp = arg('timestamptz', z.string().nullable());
/** A price version: bigint as decimal text (it comes from an ETag). */
const nullableVersion = arg('bigint', z.string().nullable());
const jsonb = <Schema extends z.ZodType>(schema: Schema) => arg('jsonb', schema);

type Arguments = Readonly<Record<string, Argument>>;

/** A function that returns jsonb (nearly all do): the schema of its result, then its arguments. */
function returnsJsonb<Result extends z.ZodType, Args extends Arguments>(
  result: Result,
  args: Args,
): { readonly args: Args; readonly returns: 'jsonb'; readonly result: Result } {
  return { args, returns: 'jsonb', result };
}

/** A function that returns json (the two large compact reads: a provider's models, the LiteLLM map). */
function returnsJson<Result extends z.ZodType, Args extends Arguments>(
  result: Result,
  args: Args,
): { readonly args: Args; readonly returns: 'json'; readonly result: Result } {
  return { args, returns: 'json', result };
}

export const RPC_CATALOG = {
  pricing_take_lease: returnsJsonb(leaseResult, {
    p_trigger: text,
    p_triggered_by: nullableText,
    p_dry_run: boolean,
    p_forced: boolean,
    p_providers: texts,
    p_lease_seconds: integer,
  }),
  pricing_reap_lease: returnsJsonb(reapResult, {}),
  // Granted to the server key, though the service frees its lease through pricing_finish_run.
  pricing_release_lease: returnsJsonb(z.object({ released: z.boolean() }), { p_run_id: bigint }),
  pricing_read_providers: returnsJsonb(providerRows, {}),
  pricing_read_models: returnsJson(storedModelRows, { p_provider: text }),
  pricing_read_models_of: returnsJson(storedModelRows, { p_provider: text, p_model_ids: texts }),
  pricing_read_source_digests: returnsJson(storedDigestRows, { p_provider: text }),
  pricing_read_source_index: returnsJson(storedDigestIndex, { p_provider: text }),
  pricing_stage_chunk: returnsJsonb(stageResult, {
    p_run_id: bigint,
    p_provider: text,
    p_chunk_no: integer,
    p_rows: jsonb(z.array(modelRow).readonly()),
  }),
  pricing_commit_provider: returnsJsonb(commitResult, {
    p_run_id: bigint,
    p_provider: text,
    p_rows: jsonb(z.array(modelRow).readonly()),
    p_missing: texts,
    p_catalog_hash: nullableText,
    p_held: jsonb(heldSummary),
    p_source: text,
  }),
  pricing_touch_provider: returnsJsonb(commitResult, {
    p_run_id: bigint,
    p_provider: text,
    p_catalog_hash: nullableText,
    p_held: jsonb(heldSummary),
  }),
  pricing_set_catalog_hash: returnsJsonb(setHashResult, {
    p_run_id: bigint,
    p_provider: text,
    p_catalog_hash: text,
  }),
  pricing_finish_run: returnsJsonb(finishResult, {
    p_run_id: bigint,
    p_status: text,
    p_results: jsonb(runResults),
    p_error: nullableText,
  }),
  pricing_read_status: returnsJsonb(statusSnapshot, { p_recent: integer }),
  pricing_read_metrics: returnsJsonb(metricsSnapshot, {}),
  pricing_prune_runs: returnsJsonb(pruneResult, { p_older_than_seconds: bigint }),
  pricing_ping: returnsJsonb(pingResult, {}),
  pricing_stage_litellm_entries: returnsJsonb(stageResult, {
    p_run_id: bigint,
    p_chunk_no: integer,
    p_entries: jsonb(liteLlmEntries),
  }),
  pricing_commit_litellm: returnsJsonb(commitLiteLlmResult, {
    p_run_id: bigint,
    p_rows: jsonb(z.array(modelRow).readonly()),
    p_missing: texts,
    p_catalog_hash: nullableText,
    p_held: jsonb(heldSummary),
    p_source: text,
    p_entries: jsonb(liteLlmEntries),
    p_held_models: texts,
  }),
  pricing_read_prices: returnsJsonb(pricesPage, {
    p_providers: nullableTexts,
    p_model_id: nullableText,
    p_states: nullableTexts,
    p_updated_since: nullableTimestamp,
    p_after_provider: nullableText,
    p_after_model_id: nullableText,
    p_limit: integer,
    p_known_version: nullableVersion,
    p_exclude_providers: nullableTexts,
  }),
  pricing_read_freshness: returnsJsonb(freshnessSnapshot, {}),
  pricing_read_litellm_map: returnsJson(liteLlmMapSource, { p_known_version: nullableVersion }),
  // Operator control (lib/db/operator-store.ts).
  pricing_read_held: returnsJsonb(heldPage, {
    p_status: nullableText,
    p_provider: nullableText,
    p_before_id: nullableBigint,
    p_limit: integer,
  }),
  pricing_decide_held: returnsJsonb(decideHeldResult, {
    p_action: text,
    p_ids: arg('bigint[]', z.array(z.number().int()).readonly()),
    p_decided_by: text,
    p_note: nullableText,
  }),
  pricing_record_sync_holds: returnsJsonb(recordedHolds, {
    p_run_id: bigint,
    p_provider: text,
    p_held: jsonb(z.array(syncHold).readonly()),
    p_complete: boolean,
    p_keep: texts,
    p_pinned: jsonb(z.array(pinnedRow).readonly()),
  }),
  pricing_read_operator_state: returnsJsonb(operatorState, { p_run_id: nullableBigint, p_provider: text }),
  pricing_read_runs: returnsJsonb(runsPage, { p_before: nullableBigint, p_limit: integer }),
  pricing_rollback_run: returnsJsonb(rollbackResult, {
    p_run_id: bigint,
    p_force: boolean,
    p_triggered_by: text,
  }),
  pricing_read_pins: returnsJsonb(pinsPage, { p_provider: nullableText }),
  pricing_set_pin: returnsJsonb(setPinResult, {
    p_provider: text,
    p_model_id: text,
    p_prices: jsonb(pinPrices),
    p_reason: text,
    p_expires_at: nullableTimestamp,
    p_pinned_by: text,
  }),
  pricing_remove_pin: returnsJsonb(removePinResult, {
    p_provider: text,
    p_model_id: text,
    p_removed_by: text,
  }),
  pricing_read_prices_at: returnsJsonb(pricesAtPage, {
    p_providers: nullableTexts,
    p_model_id: nullableText,
    p_at: nullableTimestamp,
    p_after_provider: nullableText,
    p_after_model_id: nullableText,
    p_limit: integer,
  }),
  pricing_read_cost_prices: returnsJsonb(costPrices, {
    p_keys: jsonb(
      z.array(z.object({ provider: z.string(), model_id: z.string(), at: z.string().nullable() })),
    ),
  }),
  pricing_read_price_history: returnsJsonb(historyPage, {
    p_provider: nullableText,
    p_model_id: text,
    p_before_id: nullableBigint,
    p_limit: integer,
  }),
  // The change feed (GET /prices/changes).
  pricing_read_changes: returnsJsonb(changesPage, {
    p_providers: nullableTexts,
    p_after_id: bigint,
    p_limit: integer,
  }),
  // The webhook outbox (lib/webhooks/webhook-outbox.ts).
  pricing_webhook_note_freshness: returnsJsonb(freshnessResult, {
    p_states: jsonb(
      z
        .array(z.object({ provider: z.string(), stale: z.boolean(), reason: z.string().nullable() }))
        .readonly(),
    ),
    p_now: nullableTimestamp,
  }),
  pricing_webhook_claim: returnsJsonb(claimedEvents, {
    p_now: nullableTimestamp,
    p_limit: integer,
    p_claim_seconds: integer,
  }),
  pricing_webhook_settle: returnsJsonb(settleResult, {
    p_id: bigint,
    p_claim_token: text,
    p_delivered: boolean,
    p_error: nullableText,
    p_now: nullableTimestamp,
  }),
  pricing_webhook_tidy: returnsJsonb(tidyResult, { p_now: nullableTimestamp, p_discard_pending: boolean }),
  pricing_webhook_read_outbox: returnsJsonb(outboxSnapshot, { p_dead_limit: integer }),
  // The operator console (supabase/migrations/20261207000400_console.sql).
  pricing_read_run: returnsJsonb(runDetailResult, { p_run_id: bigint, p_limit: integer }),
  pricing_preview_rollback: returnsJsonb(rollbackPreviewResult, {
    p_run_id: bigint,
    p_force: boolean,
    p_limit: integer,
  }),
  pricing_search_models: returnsJsonb(modelSearchPage, {
    p_providers: nullableTexts,
    p_q: text,
    p_after_provider: nullableText,
    p_after_model_id: nullableText,
    p_limit: integer,
  }),
  pricing_read_model_held: returnsJsonb(heldPage, {
    p_provider: nullableText,
    p_model_id: text,
    p_status: nullableText,
    p_before_id: nullableBigint,
    p_limit: integer,
  }),
} as const satisfies Record<string, Declaration>;

type Catalog = typeof RPC_CATALOG;
export type RpcName = keyof Catalog;

/** What a call of `Name` sends: one value per argument, of the type its schema accepts. */
export type RpcArgs<Name extends RpcName> = {
  [Arg in keyof Catalog[Name]['args']]: Catalog[Name]['args'][Arg] extends Argument<infer Schema>
    ? z.input<Schema>
    : never;
};

/** `before_id` -> `beforeId`. */
type CamelCase<Text extends string> = Text extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : Text;

/** What a call of `Name` sends, named as TypeScript names it: `{ runId }` for `p_run_id`. */
export type RpcRequest<Name extends RpcName> = {
  [Arg in keyof RpcArgs<Name> as Arg extends `p_${infer Rest}` ? CamelCase<Rest> : never]: RpcArgs<Name>[Arg];
};

/** What a call of `Name` answers, decoded. */
export type RpcResult<Name extends RpcName> = z.output<Catalog[Name]['result']>;

/** The function's arguments, in the order it declares them, with their Postgres types. */
export function argumentsOf(name: RpcName): [string, PgType][] {
  const args: Readonly<Record<string, Argument>> = RPC_CATALOG[name].args;
  return Object.entries(args).map(([argument, { pg }]) => [argument, pg]);
}

/**
 * Checks that the caller passes exactly the function's arguments: a typo must not become a null,
 * nor a left-out argument a default. Values are not checked here: the types derived from the
 * catalog check them where they are built, and a 25,000-row apply is not parsed again on its way
 * out.
 */
export function assertArguments<Name extends RpcName>(
  name: Name,
  args: object,
): asserts args is RpcArgs<Name> {
  const expected = Object.keys(RPC_CATALOG[name].args);
  const given = Object.keys(args);
  const unknown = given.filter((key) => !expected.includes(key));
  if (unknown.length > 0) throw new Error(`${name}: unknown argument(s) ${unknown.join(', ')}`);
  const missing = expected.filter((key) => !given.includes(key));
  if (missing.length > 0) throw new Error(`${name}: missing argument(s) ${missing.join(', ')}`);
}

/** A request's arguments as the SQL function names them (`runId` -> `p_run_id`), checked as above. */
export function rpcArguments<Name extends RpcName>(name: Name, request: RpcRequest<Name>): RpcArgs<Name> {
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries<unknown>(request)) {
    args[`p_${key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)}`] = value;
  }
  assertArguments(name, args);
  return args;
}

/** The catalog seen per name, so that a generic name indexes its own result schema. */
const RESULTS: { readonly [Name in RpcName]: { readonly result: z.ZodType<RpcResult<Name>> } } = RPC_CATALOG;

/** Decodes a function's result with its declared schema: a mismatch is a StoreError (MALFORMED_RESULT). */
export function decodeRpcResult<Name extends RpcName>(name: Name, value: unknown): RpcResult<Name> {
  return decodeResult(name, RESULTS[name].result, value);
}
