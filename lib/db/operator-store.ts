import type { PricingStore } from './pricing-store.js';
import type {
  HeldChangeRow,
  HeldStatus,
  OperatorRefusal,
  PinRow,
  PriceAtRow,
  PriceHistoryRow,
  RunRow,
} from './operator-results.js';
import type { PinPrices, PriceRow, SyncHold } from './rpc-arguments.js';
import type { RpcResult } from './rpc-catalog.js';
import type { ProviderSlug } from '../providers/price-record.js';

export { HELD_STATUSES } from './operator-results.js';
export type {
  HeldChangeRow,
  HeldStatus,
  OperatorRefusal,
  PinRow,
  PriceAtRow,
  PriceHistoryRow,
  RunRow,
} from './operator-results.js';
export type { PinPrices, PriceRow, SyncHold } from './rpc-arguments.js';
export type { PriceView } from './rpc-results.js';

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
 * The operator's side of the database port: held changes, pins, runs, prices at a time. Every
 * operation is one SQL function call (one round trip, one jsonb result), on any adapter.
 */
export class OperatorStore {
  constructor(private readonly store: PricingStore) {}

  async readHeld(query: {
    status: HeldStatus | null;
    provider: ProviderSlug | null;
    beforeId: number | null;
    limit: number;
  }): Promise<HeldChangeRow[]> {
    const page = await this.store.rpc('pricing_read_held', {
      p_status: query.status,
      p_provider: query.provider,
      p_before_id: query.beforeId,
      p_limit: query.limit,
    });
    return page.held;
  }

  /** The providers' stored freshness (pricing_read_freshness), for the views that show a price. */
  async readFreshness(): Promise<RpcResult<'pricing_read_freshness'>> {
    return this.store.readFreshness();
  }

  async decideHeld(request: {
    action: 'approve' | 'reject';
    ids: number[];
    decidedBy: string;
    note: string | null;
  }): Promise<RpcResult<'pricing_decide_held'>> {
    return this.store.rpc('pricing_decide_held', {
      p_action: request.action,
      p_ids: request.ids,
      p_decided_by: request.decidedBy,
      p_note: request.note,
    });
  }

  /** For the sync holding the lease: pinned models and rolled-back values (expired pins removed). */
  async readOperatorState(runId: number | null, provider: ProviderSlug): Promise<OperatorState> {
    return this.store.rpc('pricing_read_operator_state', { p_run_id: runId, p_provider: provider });
  }

  /** For the sync holding the lease: its held changes as rows, and the provider's price of pinned models. */
  async recordSyncHolds(request: {
    runId: number;
    provider: ProviderSlug;
    held: SyncHold[];
    complete: boolean;
    keep: string[];
    pinned: { model_id: string; row: PriceRow }[];
  }): Promise<RpcResult<'pricing_record_sync_holds'>> {
    return this.store.rpc('pricing_record_sync_holds', {
      p_run_id: request.runId,
      p_provider: request.provider,
      p_held: request.held,
      p_complete: request.complete,
      p_keep: request.keep,
      p_pinned: request.pinned,
    });
  }

  async readRuns(query: { before: number | null; limit: number }): Promise<RunRow[]> {
    const page = await this.store.rpc('pricing_read_runs', { p_before: query.before, p_limit: query.limit });
    return page.runs;
  }

  async rollbackRun(request: {
    runId: number;
    force: boolean;
    triggeredBy: string;
  }): Promise<RpcResult<'pricing_rollback_run'>> {
    return this.store.rpc('pricing_rollback_run', {
      p_run_id: request.runId,
      p_force: request.force,
      p_triggered_by: request.triggeredBy,
    });
  }

  async previewRollback(request: {
    runId: number;
    force: boolean;
  }): Promise<RpcResult<'pricing_preview_rollback'>> {
    return this.store.rpc('pricing_preview_rollback', {
      p_run_id: request.runId,
      p_force: request.force,
      p_limit: 1000,
    });
  }

  /** One run with the history rows it wrote (at most 1000 of them, and their count). */
  async readRun(runId: number): Promise<RpcResult<'pricing_read_run'>> {
    return this.store.rpc('pricing_read_run', { p_run_id: runId, p_limit: 1000 });
  }

  /** Stored models whose id contains `q` (case-insensitive), with their current prices. */
  async searchModels(query: {
    providers: string[] | null;
    q: string;
    after: [string, string] | null;
    limit: number;
  }): Promise<RpcResult<'pricing_search_models'>> {
    return this.store.rpc('pricing_search_models', {
      p_providers: query.providers,
      p_q: query.q,
      p_after_provider: query.after?.[0] ?? null,
      p_after_model_id: query.after?.[1] ?? null,
      p_limit: query.limit,
    });
  }

  /** One model's held changes, newest first. */
  async readModelHeld(query: {
    provider: ProviderSlug | null;
    modelId: string;
    status: HeldStatus | null;
    beforeId: number | null;
    limit: number;
  }): Promise<HeldChangeRow[]> {
    const page = await this.store.rpc('pricing_read_model_held', {
      p_provider: query.provider,
      p_model_id: query.modelId,
      p_status: query.status,
      p_before_id: query.beforeId,
      p_limit: query.limit,
    });
    return page.held;
  }

  async readPins(provider: ProviderSlug | null): Promise<PinRow[]> {
    return (await this.store.rpc('pricing_read_pins', { p_provider: provider })).pins;
  }

  async setPin(request: {
    provider: ProviderSlug;
    modelId: string;
    prices: PinPrices;
    reason: string;
    expiresAt: string | null;
    pinnedBy: string;
  }): Promise<RpcResult<'pricing_set_pin'>> {
    return this.store.rpc('pricing_set_pin', {
      p_provider: request.provider,
      p_model_id: request.modelId,
      p_prices: request.prices,
      p_reason: request.reason,
      p_expires_at: request.expiresAt,
      p_pinned_by: request.pinnedBy,
    });
  }

  async removePin(request: {
    provider: ProviderSlug;
    modelId: string;
    removedBy: string;
  }): Promise<RpcResult<'pricing_remove_pin'>> {
    return this.store.rpc('pricing_remove_pin', {
      p_provider: request.provider,
      p_model_id: request.modelId,
      p_removed_by: request.removedBy,
    });
  }

  async readPricesAt(query: {
    providers: string[] | null;
    modelId: string | null;
    at: string | null;
    after: [string, string] | null;
    limit: number;
  }): Promise<{ at: string; prices: PriceAtRow[]; next: [string, string] | null }> {
    return this.store.rpc('pricing_read_prices_at', {
      p_providers: query.providers,
      p_model_id: query.modelId,
      p_at: query.at,
      p_after_provider: query.after?.[0] ?? null,
      p_after_model_id: query.after?.[1] ?? null,
      p_limit: query.limit,
    });
  }

  /** The prices `npm run admin -- cost` bills with: PricingStore.readCostPrices. */
  readCostPrices(keys: readonly { provider: string; modelId: string; at: string | null }[]) {
    return this.store.readCostPrices(keys);
  }

  async readPriceHistory(query: {
    provider: string | null;
    modelId: string;
    beforeId: number | null;
    limit: number;
  }): Promise<{ history: PriceHistoryRow[]; next_before_id: number | null }> {
    return this.store.rpc('pricing_read_price_history', {
      p_provider: query.provider,
      p_model_id: query.modelId,
      p_before_id: query.beforeId,
      p_limit: query.limit,
    });
  }
}
