import { toModelRow, type PricingStore } from './pricing-store.js';
import type { SyncHoldRow } from './rpc-arguments.js';
import type { HeldChangeRow, OperatorRefusal, PinRow, RunRow } from './operator-results.js';
import { rpcArguments, type RpcName, type RpcRequest, type RpcResult } from './rpc-catalog.js';
import type { PriceRecord, ProviderSlug } from '../providers/price-record.js';
import type { SyncHold } from '../domain/sync-hold.js';

export { HELD_STATUSES } from './operator-results.js';
export type { HeldStatus, RunRow } from './operator-results.js';
export type { PinPrices } from './rpc-arguments.js';
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
 * operation is one SQL function call (one round trip, one jsonb result), on any adapter: `call`
 * sends the request as the function's catalog declaration says (rpc-catalog.ts); the methods
 * below add only what a caller should not repeat, such as taking a page's rows out of it.
 */
export class OperatorStore {
  constructor(private readonly store: PricingStore) {}

  /** Calls one SQL function with its arguments named as TypeScript names them (`runId` for `p_run_id`). */
  call<Name extends RpcName>(name: Name, request: RpcRequest<Name>): Promise<RpcResult<Name>> {
    return this.store.rpc(name, rpcArguments(name, request));
  }

  /** The providers' stored freshness (pricing_read_freshness), for the views that show a price. */
  async readFreshness(): Promise<RpcResult<'pricing_read_freshness'>> {
    return this.store.readFreshness();
  }

  async readHeld(query: RpcRequest<'pricing_read_held'>): Promise<HeldChangeRow[]> {
    return (await this.call('pricing_read_held', query)).held;
  }

  /** For the sync holding the lease: pinned models and rolled-back values (expired pins removed). */
  async readOperatorState(runId: number | null, provider: ProviderSlug): Promise<OperatorState> {
    return this.call('pricing_read_operator_state', { runId, provider });
  }

  /**
   * Records a sync's held changes as rows, and the provider's record of each pinned model for drift
   * (pricing_record_sync_holds); `complete` says `held` is all of them, `keep` names the listed
   * models whose pending rows stay although unreadable.
   */
  async recordSyncHolds(request: {
    runId: number;
    provider: ProviderSlug;
    held: readonly SyncHold[];
    complete: boolean;
    keep: readonly string[];
    pinned: readonly PriceRecord[];
  }): Promise<RpcResult<'pricing_record_sync_holds'>> {
    return this.call('pricing_record_sync_holds', {
      ...request,
      held: request.held.map(toSyncHoldRow),
      pinned: request.pinned.map((record) => ({ model_id: record.modelId, row: toModelRow(record) })),
    });
  }

  async readRuns(query: RpcRequest<'pricing_read_runs'>): Promise<RunRow[]> {
    return (await this.call('pricing_read_runs', query)).runs;
  }

  /** What rolling back `runId` would restore, written and undone in one transaction. */
  async previewRollback(request: {
    runId: number;
    force: boolean;
  }): Promise<RpcResult<'pricing_preview_rollback'>> {
    return this.call('pricing_preview_rollback', { ...request, limit: 1000 });
  }

  /** One run with the history rows it wrote (at most 1000 of them, and their count). */
  async readRun(runId: number): Promise<RpcResult<'pricing_read_run'>> {
    return this.call('pricing_read_run', { runId, limit: 1000 });
  }

  /** Stored models whose id contains `q` (case-insensitive), with their current prices. */
  async searchModels(
    query: RpcRequest<'pricing_search_models'>,
  ): Promise<RpcResult<'pricing_search_models'>> {
    return this.call('pricing_search_models', query);
  }

  /** One model's held changes, newest first. */
  async readModelHeld(query: RpcRequest<'pricing_read_model_held'>): Promise<HeldChangeRow[]> {
    return (await this.call('pricing_read_model_held', query)).held;
  }

  async readPins(provider: ProviderSlug | null): Promise<PinRow[]> {
    return (await this.call('pricing_read_pins', { provider })).pins;
  }

  async readPricesAt(query: {
    providers: string[] | null;
    modelId: string | null;
    at: string | null;
    after: [string, string] | null;
    limit: number;
  }): Promise<RpcResult<'pricing_read_prices_at'>> {
    return this.call('pricing_read_prices_at', {
      providers: query.providers,
      modelId: query.modelId,
      at: query.at,
      afterProvider: query.after?.[0] ?? null,
      afterModelId: query.after?.[1] ?? null,
      limit: query.limit,
    });
  }

  /** The prices `npm run admin -- cost` bills with: PricingStore.readCostPrices. */
  readCostPrices(keys: readonly { provider: string; modelId: string; at: string | null }[]) {
    return this.store.readCostPrices(keys);
  }
}

/** A sync's held change as pricing_record_sync_holds reads it. */
function toSyncHoldRow(hold: SyncHold): SyncHoldRow {
  if (hold.scope === 'provider') return hold;
  const { record, ...held } = hold;
  return { ...held, model_id: record.modelId, row: toModelRow(record) };
}
