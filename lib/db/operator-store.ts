import { z } from 'zod';
import type { ModelRow, PricingStore } from './pricing-store.js';
import { decodeResult } from './rpc-results.js';
import type { SqlFunctionArgs, SqlFunctionName } from './sql-functions.js';
import type { RunStatus, RunTrigger } from '../domain/run-types.js';
import type { PricingTier, ProviderSlug } from '../providers/price-record.js';

/** A run as GET /admin/pricing/runs shows it: the pricing_sync_runs row as stored. */
export interface RunRow {
  id: number;
  trigger: RunTrigger;
  triggered_by: string | null;
  status: RunStatus;
  dry_run: boolean;
  forced: boolean;
  providers: string[];
  started_at: string;
  finished_at: string | null;
  duration_seconds: number | string | null;
  results: Record<string, unknown>;
  error: string | null;
  rollback_of: number | null;
}

/**
 * A price in the API's one shape (GET /prices, held changes, pins, prices at a time): decimal
 * strings, USD per 1M tokens (or per request / image), null when the price is not given.
 */
export interface PriceView {
  state: string;
  input_price_per_1m_tokens: string | null;
  output_price_per_1m_tokens: string | null;
  cache_read_price_per_1m_tokens: string | null;
  cache_write_price_per_1m_tokens: string | null;
  request_price: string | null;
  image_price: string | null;
  extra: Record<string, string>;
  tiers: PricingTier[];
  context_length: number | null;
  alias_of: string | null;
}

export type HeldStatus = 'pending' | 'approved' | 'rejected' | 'superseded' | 'withdrawn';
export const HELD_STATUSES: readonly HeldStatus[] = [
  'pending',
  'approved',
  'rejected',
  'superseded',
  'withdrawn',
];

export interface HeldChangeRow {
  id: number;
  provider: string;
  /** Null for a provider-level hold (catalog_shrank, empty_catalog). */
  model_id: string | null;
  scope: 'model' | 'provider';
  reason: string;
  detail: string | null;
  current: PriceView | null;
  proposed: PriceView | null;
  /** A provider-level hold: the models its approval marks missing. */
  missing_model_ids: string[] | null;
  status: HeldStatus;
  first_run_id: number;
  last_run_id: number;
  first_held_at: string;
  last_seen_at: string;
  decided_by: string | null;
  decided_at: string | null;
  decided_run_id: number | null;
  note: string | null;
}

export interface PinRow {
  provider: string;
  model_id: string;
  prices: PriceView;
  reason: string;
  pinned_by: string;
  pinned_at: string;
  expires_at: string | null;
  run_id: number;
  /** Null while the provider's latest price equals the pin. */
  drift: { provider_prices: PriceView; since: string; seen_at: string | null } | null;
}

/** A price row as pricing_commit_provider reads it (decimal strings); a pin's prices need no id or state. */
export type PriceRow = Omit<ModelRow, 'model_id' | 'state' | 'context_length' | 'alias_of'> &
  Partial<Pick<ModelRow, 'model_id' | 'state' | 'context_length' | 'alias_of'>>;

/**
 * A pin's prices: every base price named (a decimal string, or null for none), so that no price is
 * dropped because it was left out. `extra` and `tiers` are optional: left out, the model keeps its
 * current ones (the database fills them in); `{}` and `[]` remove them.
 */
export interface PinPrices {
  input: string | null;
  output: string | null;
  cache_read: string | null;
  cache_write: string | null;
  request: string | null;
  image: string | null;
  extra?: Record<string, string>;
  tiers?: PricingTier[];
}

/** A held change of a sync, as pricing_record_sync_holds reads it. */
export type SyncHold =
  | { scope: 'model'; reason: string; detail: string; model_id: string; row: PriceRow }
  | { scope: 'provider'; reason: string; detail: string; missing: string[] };

/** What an operator function answers when it refuses: the HTTP status it means, and why. */
export interface OperatorRefusal {
  ok: false;
  status: 400 | 404 | 409;
  error: string;
  running_run_id?: number;
  [detail: string]: unknown;
}

export type OperatorResult<T> = ({ ok: true } & T) | OperatorRefusal;

export interface OperatorState {
  /** Models with a live pin: a sync never writes them. */
  pins: string[];
  /** Pins that had expired and were removed (their provider price applied) by this call. */
  expiredPins: string[];
  /** Models whose latest change is a rollback, with the value it reverted from (history shape). */
  rolledBack: [string, Record<string, unknown>][];
  /** Proposals an admin rejected: [model_id, proposed prices in history shape]. */
  rejected?: [string, Record<string, unknown>][];
}

/**
 * What the operator's SQL functions return, checked as every result at the port is (rpc-results.ts):
 * what the sync engine reads exactly, what an endpoint passes through to its answer by its envelope
 * (a refusal's `status` must be one the HTTP edge can answer with).
 */
const count = z.number().int().nonnegative();
const historyPrices = z.record(z.string(), z.unknown());
const operatorState = z.object({
  pins: z.array(z.string()),
  expired_pins: z.array(z.string()),
  rolled_back: z.array(z.tuple([z.string(), historyPrices])),
  rejected: z.array(z.tuple([z.string(), historyPrices])),
});
const recordedHolds = z.object({
  opened: count,
  superseded: count,
  withdrawn: count,
  approved: count,
  pending: count,
});
const refusal = z.looseObject({
  ok: z.literal(false),
  status: z.union([z.literal(400), z.literal(404), z.literal(409)]),
  error: z.string(),
});
const actionResult = z.union([z.looseObject({ ok: z.literal(true), run_id: z.number().int() }), refusal]);
const pricesAtPage = z.object({
  at: z.string(),
  prices: z.array(z.looseObject({ provider: z.string(), model_id: z.string() })),
  next: z.tuple([z.string(), z.string()]).nullable(),
});
const historyPage = z.object({
  history: z.array(z.looseObject({ id: z.number().int(), kind: z.string() })),
  next_before_id: z.number().int().nullable(),
});
const rows = (key: string) => z.looseObject({ [key]: z.array(z.looseObject({})) });

/**
 * The operator's side of the database port: held changes, pins, runs, prices at a time. Every
 * operation is one SQL function call (one round trip, one jsonb result), on any adapter.
 */
export class OperatorStore {
  constructor(private readonly store: PricingStore) {}

  /** Calls one SQL function and checks its result's shape, as PricingStore does. */
  private async call<Name extends SqlFunctionName, Schema extends z.ZodType>(
    name: Name,
    args: SqlFunctionArgs[Name],
    schema: Schema,
  ): Promise<z.output<Schema>> {
    return decodeResult(name, schema, await this.store.transport.call(name, args));
  }

  async readHeld(query: {
    status: HeldStatus | null;
    provider: ProviderSlug | null;
    beforeId: number | null;
    limit: number;
  }): Promise<HeldChangeRow[]> {
    return (
      await this.call(
        'pricing_read_held',
        {
          p_status: query.status,
          p_provider: query.provider,
          p_before_id: query.beforeId,
          p_limit: query.limit,
        },
        rows('held'),
      )
    ).held as unknown as HeldChangeRow[];
  }

  async decideHeld(request: {
    action: 'approve' | 'reject';
    ids: number[];
    decidedBy: string;
    note: string | null;
  }): Promise<
    OperatorResult<{
      run_id: number;
      action: string;
      decided: { id: number; provider: string; model_id: string | null; status: HeldStatus }[];
      models_written: number;
    }>
  > {
    return (await this.call(
      'pricing_decide_held',
      {
        p_action: request.action,
        p_ids: request.ids,
        p_decided_by: request.decidedBy,
        p_note: request.note,
      },
      actionResult,
    )) as never;
  }

  /** For the sync holding the lease: pinned models and rolled-back values (expired pins removed). */
  async readOperatorState(runId: number | null, provider: ProviderSlug): Promise<OperatorState> {
    const result = await this.call(
      'pricing_read_operator_state',
      {
        p_run_id: runId,
        p_provider: provider,
      },
      operatorState,
    );
    return {
      pins: result.pins,
      expiredPins: result.expired_pins,
      rolledBack: result.rolled_back,
      rejected: result.rejected,
    };
  }

  /** For the sync holding the lease: its held changes as rows, and the provider's price of pinned models. */
  async recordSyncHolds(request: {
    runId: number;
    provider: ProviderSlug;
    held: SyncHold[];
    complete: boolean;
    keep: string[];
    pinned: { model_id: string; row: PriceRow }[];
  }): Promise<{ opened: number; superseded: number; withdrawn: number; approved: number; pending: number }> {
    return await this.call(
      'pricing_record_sync_holds',
      {
        p_run_id: request.runId,
        p_provider: request.provider,
        p_held: request.held,
        p_complete: request.complete,
        p_keep: request.keep,
        p_pinned: request.pinned,
      },
      recordedHolds,
    );
  }

  async readRuns(query: { before: number | null; limit: number }): Promise<RunRow[]> {
    return (
      await this.call(
        'pricing_read_runs',
        {
          p_before: query.before,
          p_limit: query.limit,
        },
        rows('runs'),
      )
    ).runs as unknown as RunRow[];
  }

  async rollbackRun(request: { runId: number; force: boolean; triggeredBy: string }): Promise<
    OperatorResult<{
      run_id: number;
      rollback_of: number;
      models_reverted: number;
      providers: string[];
      skipped_pinned: { provider: string; model_id: string }[];
      forced_over: number;
    }>
  > {
    return (await this.call(
      'pricing_rollback_run',
      {
        p_run_id: request.runId,
        p_force: request.force,
        p_triggered_by: request.triggeredBy,
      },
      actionResult,
    )) as never;
  }

  async readPins(provider: ProviderSlug | null): Promise<PinRow[]> {
    return (await this.call('pricing_read_pins', { p_provider: provider }, rows('pins')))
      .pins as unknown as PinRow[];
  }

  async setPin(request: {
    provider: ProviderSlug;
    modelId: string;
    prices: PinPrices;
    reason: string;
    expiresAt: string | null;
    pinnedBy: string;
  }): Promise<OperatorResult<{ run_id: number; pin: PinRow }>> {
    return (await this.call(
      'pricing_set_pin',
      {
        p_provider: request.provider,
        p_model_id: request.modelId,
        p_prices: request.prices,
        p_reason: request.reason,
        p_expires_at: request.expiresAt,
        p_pinned_by: request.pinnedBy,
      },
      actionResult,
    )) as never;
  }

  async removePin(request: {
    provider: ProviderSlug;
    modelId: string;
    removedBy: string;
  }): Promise<OperatorResult<{ run_id: number; provider: string; model_id: string; prices: PriceView }>> {
    return (await this.call(
      'pricing_remove_pin',
      {
        p_provider: request.provider,
        p_model_id: request.modelId,
        p_removed_by: request.removedBy,
      },
      actionResult,
    )) as never;
  }

  async readPricesAt(query: {
    providers: string[] | null;
    modelId: string | null;
    at: string | null;
    after: [string, string] | null;
    limit: number;
  }): Promise<{ at: string; prices: PriceAtRow[]; next: [string, string] | null }> {
    return (await this.call(
      'pricing_read_prices_at',
      {
        p_providers: query.providers,
        p_model_id: query.modelId,
        p_at: query.at,
        p_after_provider: query.after?.[0] ?? null,
        p_after_model_id: query.after?.[1] ?? null,
        p_limit: query.limit,
      },
      pricesAtPage,
    )) as never;
  }

  async readPriceHistory(query: {
    provider: string | null;
    modelId: string;
    beforeId: number | null;
    limit: number;
  }): Promise<{ history: PriceHistoryRow[]; next_before_id: number | null }> {
    return (await this.call(
      'pricing_read_price_history',
      {
        p_provider: query.provider,
        p_model_id: query.modelId,
        p_before_id: query.beforeId,
        p_limit: query.limit,
      },
      historyPage,
    )) as never;
  }
}

export type PriceAtRow = {
  provider: string;
  model_id: string;
  effective_at: string;
  run_id: number;
  kind: string;
} & PriceView;

export interface PriceHistoryRow {
  id: number;
  provider: string;
  model_id: string;
  kind: string;
  run_id: number;
  effective_at: string;
  old: PriceView | null;
  new: PriceView;
}
