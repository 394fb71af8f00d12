import { BASE_PRICES, perBasePrice, type PriceRecord, type ProviderSlug } from '../providers/price-record.js';
import type { StoredModel } from '../domain/stored-model.js';
import type { FinishedRunStatus, RunTrigger } from '../domain/run-types.js';
import type {
  CommitResult,
  CostPricesResult,
  FinishResult,
  FreshnessSnapshot,
  LeaseResult,
  LiteLlmMapSource,
  MetricsSnapshot,
  PricesPage,
  ProviderRow,
  StatusSnapshot,
  StoredDigest,
} from './rpc-results.js';
import type { ModelRow } from './rpc-arguments.js';
import type { ChangesPage } from './feed-results.js';
import { decodeRpcResult, type RpcArgs, type RpcName, type RpcResult } from './rpc-catalog.js';
import type { RpcTransport, StoreKind } from './rpc-transport.js';

export type { ChangesPage, PriceChange } from './feed-results.js';
export type {
  ActivePrice,
  CostPricesResult,
  FinishResult,
  FreshnessRow,
  FreshnessSnapshot,
  LiteLlmMapSource,
  MetricsSnapshot,
  PriceView,
  ProviderRow,
  ServedPrice,
} from './rpc-results.js';

/**
 * Whether a write changes no model row (no record, no digest-only row, none marked missing): its
 * commit, unless it carries LiteLLM entries, only records the provider (`pricing_touch_provider`).
 */
export function writesNoModel(write: Pick<ApplyRequest, 'records' | 'digestOnly' | 'missing'>): boolean {
  return write.records.length === 0 && (write.digestOnly?.length ?? 0) === 0 && write.missing.length === 0;
}

export interface ApplyRequest {
  runId: number;
  provider: ProviderSlug;
  /** Records to upsert; only those that differ from what is stored are written. */
  records: PriceRecord[];
  /** The digest of the item each record was normalized from (item-digest.ts), stored with its row. */
  digests?: ReadonlyMap<string, string> | undefined;
  /**
   * Records found unchanged whose rows hold another digest: their digest (from `digests`) is
   * written alone, where the row still holds the record's values.
   */
  digestOnly?: PriceRecord[] | undefined;
  /** Model ids to mark missing. */
  missing: string[];
  /** Hash of the applied catalog, or null when something was held (so the next run diffs again). */
  catalogHash: string | null;
  /** Held changes to show (possibly shortened), and how many there are in all (default: the list's length). */
  held: unknown[];
  heldCount?: number;
  /** Where the prices came from (a URL or description), stored per row. */
  source: string;
  /**
   * litellm only: its LiteLLM entries, staged with stageLiteLlmEntries, written in the commit's
   * transaction, except those of the held models (they keep their previous entry).
   */
  liteLlmEntries?: { staged: StagedLiteLlmEntries; heldModelIds: readonly string[] };
}

/** LiteLLM entries staged for one apply, but for the last chunk, which goes with the commit. */
export interface StagedLiteLlmEntries {
  runId: number;
  last: Record<string, Record<string, unknown>>;
}

export interface PricesQuery {
  providers?: string[] | null;
  modelId?: string | null;
  states?: string[] | null;
  /** ISO timestamp: only prices that took effect at or after it. */
  updatedSince?: string | null;
  /** Keyset cursor: the last (provider, model_id) of the previous page. */
  after?: [string, string] | null;
  limit: number;
  /** The price version the caller already has (from its ETag). */
  knownVersion?: string | null;
  /** Providers whose rows are left out (the stale ones, for `?stale=false`). */
  excludeProviders?: readonly string[] | null;
}

/**
 * A provider's apply with its chunks staged: `commit` is the one call that writes. Staging checks
 * the lease without waiting for it, so a run stages one provider while another commits.
 */
export interface StagedApply {
  commit(): Promise<CommitResult>;
}

/** Rows per call when staging a large apply: keeps each request well under PostgREST's body limit. */
export const APPLY_CHUNK_ROWS = 5_000;

/** The typed face of the port: every operation is one SQL function call (one round trip). */
export class PricingStore {
  constructor(readonly transport: RpcTransport) {}

  get kind(): StoreKind {
    return this.transport.kind;
  }

  /**
   * Calls one SQL function and decodes its result with the schema rpc-catalog.ts declares for it.
   * Every operation of this store and of OperatorStore is one such call.
   */
  async rpc<Name extends RpcName>(name: Name, args: RpcArgs<Name>): Promise<RpcResult<Name>> {
    return decodeRpcResult(name, await this.transport.call(name, args));
  }

  async takeLease(request: {
    trigger: RunTrigger;
    triggeredBy: string | null;
    dryRun: boolean;
    forced: boolean;
    providers: readonly string[];
    leaseSeconds: number;
  }): Promise<LeaseResult> {
    return this.rpc('pricing_take_lease', {
      p_trigger: request.trigger,
      p_triggered_by: request.triggeredBy,
      p_dry_run: request.dryRun,
      p_forced: request.forced,
      p_providers: request.providers,
      p_lease_seconds: request.leaseSeconds,
    });
  }

  /**
   * Marks the run of an expired lease abandoned and frees the lease; returns that run's id, or null.
   * A killed run otherwise stays 'running' until the next run takes the lease over.
   */
  async reapLease(): Promise<number | null> {
    return this.rpc('pricing_reap_lease', {});
  }

  async readProviders(): Promise<ProviderRow[]> {
    return this.rpc('pricing_read_providers', {});
  }

  async readModels(provider: ProviderSlug): Promise<StoredModel[]> {
    return this.rpc('pricing_read_models', { p_provider: provider });
  }

  /** The named stored models of a provider (the ones a sync that skipped the rest has to diff). */
  async readModelsOf(provider: ProviderSlug, modelIds: readonly string[]): Promise<StoredModel[]> {
    return this.rpc('pricing_read_models_of', { p_provider: provider, p_model_ids: modelIds });
  }

  /** Every stored model of a provider as an id, a state and its item's digest (item-digest.ts). */
  async readSourceDigests(provider: ProviderSlug): Promise<StoredDigest[]> {
    return this.rpc('pricing_read_source_index', { p_provider: provider });
  }

  /**
   * Applies one provider's changes all-or-nothing, in two steps: stages every chunk but the last
   * (APPLY_CHUNK_ROWS rows a call), and returns the commit, the one call that writes, in one
   * transaction (a failure anywhere leaves the provider as it was). A caller may work while
   * Postgres commits, and may stage while another provider commits.
   */
  async stageApply(request: ApplyRequest): Promise<StagedApply> {
    const digestOnly = request.digestOnly ?? [];
    const applied = request.records.length;
    const records = digestOnly.length === 0 ? request.records : [...request.records, ...digestOnly];
    // Rows are made a chunk at a time: at scale, 160,000 of them at once were ~40 MB more at the peak.
    const digests = request.digests;
    const rowOf = digests
      ? (record: PriceRecord, at: number) => {
          const row = toModelRow(record);
          const digest = digests.get(record.modelId);
          if (digest !== undefined) row.source_digest = digest;
          if (at >= applied) row.digest_only = true;
          return row;
        }
      : toModelRow;
    const rowsOf = (start: number) =>
      records.slice(start, start + APPLY_CHUNK_ROWS).map((record, index) => rowOf(record, start + index));
    const lastStart = Math.max(0, Math.ceil(records.length / APPLY_CHUNK_ROWS) - 1) * APPLY_CHUNK_ROWS;
    for (let start = 0; start < lastStart; start += APPLY_CHUNK_ROWS) {
      await this.rpc('pricing_stage_chunk', {
        p_run_id: request.runId,
        p_provider: request.provider,
        p_chunk_no: start / APPLY_CHUNK_ROWS,
        p_rows: rowsOf(start),
      });
    }
    const inline = rowsOf(lastStart);
    return { commit: () => this.commit(request, inline) };
  }

  private async commit(request: ApplyRequest, inline: ModelRow[]): Promise<CommitResult> {
    const held = { count: request.heldCount ?? request.held.length, changes: request.held };
    if (request.liteLlmEntries) {
      if (request.provider !== 'litellm' || request.liteLlmEntries.staged.runId !== request.runId) {
        throw new Error(`${request.provider}: LiteLLM entries go with the litellm provider of their run`);
      }
      return this.rpc('pricing_commit_litellm', {
        p_run_id: request.runId,
        p_rows: inline,
        p_missing: request.missing,
        p_catalog_hash: request.catalogHash,
        p_held: held,
        p_source: request.source,
        p_entries: request.liteLlmEntries.staged.last,
        p_held_models: request.liteLlmEntries.heldModelIds,
      });
    }
    // A commit that writes no model (the unchanged shortcuts) only records the provider's success.
    if (writesNoModel(request)) {
      return this.rpc('pricing_touch_provider', {
        p_run_id: request.runId,
        p_provider: request.provider,
        p_catalog_hash: request.catalogHash,
        p_held: held,
      });
    }
    return this.rpc('pricing_commit_provider', {
      p_run_id: request.runId,
      p_provider: request.provider,
      p_rows: inline,
      p_missing: request.missing,
      p_catalog_hash: request.catalogHash,
      p_held: held,
      p_source: request.source,
    });
  }

  /**
   * Stores the catalog hash of a provider this run has just committed (one whose hash was computed
   * during the commit); returns whether its row took it.
   */
  async setCatalogHash(runId: number, provider: ProviderSlug, catalogHash: string): Promise<boolean> {
    const updated = await this.rpc('pricing_set_catalog_hash', {
      p_run_id: runId,
      p_provider: provider,
      p_catalog_hash: catalogHash,
    });
    return updated > 0;
  }

  async finishRun(
    runId: number,
    status: FinishedRunStatus,
    results: Record<string, unknown>,
    error: string | null,
  ): Promise<FinishResult> {
    return this.rpc('pricing_finish_run', {
      p_run_id: runId,
      p_status: status,
      p_results: results,
      p_error: error,
    });
  }

  async readStatus(recentRuns = 10): Promise<StatusSnapshot> {
    return this.rpc('pricing_read_status', { p_recent: recentRuns });
  }

  async readMetrics(): Promise<MetricsSnapshot> {
    return this.rpc('pricing_read_metrics', {});
  }

  async pruneRuns(olderThanSeconds: number): Promise<{ deleted: number }> {
    return this.rpc('pricing_prune_runs', { p_older_than_seconds: olderThanSeconds });
  }

  /**
   * One page of the prices in force (GET /prices), in (provider, model_id) order after `after`.
   * With `knownVersion` equal to the current price version, only `{version, notModified: true}`.
   */
  async readPrices(query: PricesQuery): Promise<PricesPage> {
    return this.rpc('pricing_read_prices', {
      p_providers: query.providers ?? null,
      p_model_id: query.modelId ?? null,
      p_states: query.states ?? null,
      p_updated_since: query.updatedSince ?? null,
      p_after_provider: query.after?.[0] ?? null,
      p_after_model_id: query.after?.[1] ?? null,
      p_limit: query.limit,
      p_known_version: query.knownVersion ?? null,
      p_exclude_providers: query.excludeProviders ?? null,
    });
  }

  /**
   * For POST /prices/cost: the price in force for each key (at `at`, or now when null) in one call;
   * each answer names its key by position (`n`, from 1), and keys without a price are left out.
   */
  async readCostPrices(
    keys: readonly { provider: string; modelId: string; at: string | null }[],
  ): Promise<CostPricesResult> {
    return this.rpc('pricing_read_cost_prices', {
      p_keys: keys.map((key) => ({ provider: key.provider, model_id: key.modelId, at: key.at })),
    });
  }

  /**
   * Every provider with stored models or a provider row: its last success, the start of its failing
   * streak, whether it has models; and the database's clock. lib/sync/provider-freshness judges it.
   */
  async readFreshness(): Promise<FreshnessSnapshot> {
    return this.rpc('pricing_read_freshness', {});
  }

  /**
   * Stages LiteLLM entries ({model id: entry as published}) for the litellm apply of the run holding
   * the lease, APPLY_CHUNK_ROWS a call; nothing is written until the apply's commit writes them with
   * the provider (`liteLlmEntries`). Staging does not wait for another provider's commit.
   */
  async stageLiteLlmEntries(
    runId: number,
    entries: Record<string, Record<string, unknown>>,
  ): Promise<StagedLiteLlmEntries> {
    let chunk = emptyEntries();
    let inChunk = 0;
    let chunkNo = 0;
    for (const modelId of Object.keys(entries)) {
      chunk[modelId] = entries[modelId]!;
      if (++inChunk < APPLY_CHUNK_ROWS) continue;
      await this.rpc('pricing_stage_litellm_entries', {
        p_run_id: runId,
        p_chunk_no: chunkNo,
        p_entries: chunk,
      });
      chunkNo += 1;
      chunk = emptyEntries();
      inChunk = 0;
    }
    return { runId, last: chunk };
  }

  /**
   * One page of the change feed: history rows after id `afterId` (0: from the start), in id order,
   * which is commit order (see supabase/migrations/*_parallel_commits.sql, docs/storage.md).
   */
  async readChanges(query: {
    providers: string[] | null;
    afterId: number;
    limit: number;
  }): Promise<ChangesPage> {
    return this.rpc('pricing_read_changes', {
      p_providers: query.providers,
      p_after_id: query.afterId,
      p_limit: query.limit,
    });
  }

  /** What the LiteLLM cost map is built from, in one call (see pricing_read_litellm_map). */
  async readLiteLlmMap(knownVersion: string | null): Promise<LiteLlmMapSource> {
    return this.rpc('pricing_read_litellm_map', { p_known_version: knownVersion });
  }

  async ping(): Promise<void> {
    await this.rpc('pricing_ping', {});
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

/** Entries keyed by model id; without a prototype, so that no id can be mistaken for one. */
function emptyEntries(): Record<string, Record<string, unknown>> {
  return Object.create(null) as Record<string, Record<string, unknown>>;
}

/** A row's layout, spread first into each row so that V8 clones it (see catalog-items' EMPTY_RECORD). */
const EMPTY_ROW: ModelRow = {
  model_id: '',
  state: 'unpriced',
  ...perBasePrice('row', () => null),
  extra: {},
  tiers: [],
  context_length: null,
  alias_of: null,
};
const ROW_PRICES = BASE_PRICES.map((price) => [price.row, price.field] as const);

/** A record as pricing_commit_provider reads it: the one place that row is written. */
export function toModelRow(record: PriceRecord): ModelRow {
  const row: ModelRow = {
    ...EMPTY_ROW,
    model_id: record.modelId,
    state: record.state,
    extra: record.extraPrices,
    tiers: record.tiers,
    context_length: record.contextLength,
    alias_of: record.aliasOf,
  };
  // A loop over the declaration, not a spread of basePricesAs: a row per record at every apply.
  for (const [key, field] of ROW_PRICES) row[key] = record[field];
  return row;
}
