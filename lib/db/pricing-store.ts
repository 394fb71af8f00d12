import type { ModelState, PriceRecord, PricingTier, ProviderSlug } from '../providers/price-record.js';
import type { RpcTransport, StoreKind } from './rpc-transport.js';

import type { StoredModel } from '../sync/stored-model.js';
import type { FinishedRunStatus, RunStatus, RunTrigger } from '../sync/run-types.js';

export type LeaseResult =
  | { acquired: true; runId: number; startedAt: string; abandonedRunId: number | null }
  | {
      acquired: false;
      holder: {
        runId: number;
        startedAt: string;
        expiresAt: string;
        trigger: RunTrigger;
        triggeredBy: string | null;
      };
    };

export interface ProviderRow {
  provider: string;
  last_attempt_at: string | null;
  last_success_at: string | null;
  last_run_id: number | null;
  catalog_hash: string | null;
  last_error_reason: string | null;
  last_error: string | null;
  models_by_state: Partial<Record<ModelState, number>>;
  held_count: number;
  held_changes: unknown[];
}

export interface CommitResult {
  added: number;
  changed: number;
  restored: number;
  missing: number;
  rows_written: number;
}

/** What pricing_finish_run says: whether this call finished the run, or the status it already had. */
export interface FinishResult {
  finished: boolean;
  status?: RunStatus;
  run?: { duration_seconds: number | string };
}

export interface ApplyRequest {
  runId: number;
  provider: ProviderSlug;
  /** Records to upsert; only those that differ from what is stored are written. */
  records: PriceRecord[];
  /** Model ids to mark missing. */
  missing: string[];
  /** Hash of the applied catalog, or null when something was held (so the next run diffs again). */
  catalogHash: string | null;
  /** Held changes to show (possibly shortened), and how many there are in all (default: the list's length). */
  held: unknown[];
  heldCount?: number;
  /** Where the prices came from (a URL or description), stored per row. */
  source: string;
}

export interface RunSummaryRow {
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
}

export interface StatusSnapshot {
  now: string;
  in_progress: {
    run_id: number;
    trigger: RunTrigger;
    triggered_by: string | null;
    started_at: string;
    expires_at: string;
    dry_run: boolean;
  } | null;
  recent_runs: RunSummaryRow[];
  last_cron_run: { id: number; status: RunStatus; started_at: string; finished_at: string | null } | null;
  providers: ProviderRow[];
}

export interface MetricsSnapshot {
  /** [metric, label1, label2, value as a decimal string] */
  totals: [string, string, string, string][];
  providers: {
    provider: string;
    last_success_at: string | null;
    models_by_state: Partial<Record<ModelState, number>>;
    held_count: number;
  }[];
  in_progress: boolean;
}

/** A price as GET /prices shows it: decimal strings, USD per 1M tokens (or per request / image). */
export interface PriceView {
  provider: string;
  model_id: string;
  state: ModelState;
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
  /** When this price took effect (the last price change, or later a pin). */
  effective_at: string;
  pinned: boolean;
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
}

export interface PricesPage {
  version: string;
  notModified: boolean;
  prices: PriceView[];
  next: [string, string] | null;
}

/** [provider, model_id, input, output, cache_read, cache_write, request, image, context_length] */
export type ActivePriceRow = [
  string,
  string,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  number | null,
];

export interface LiteLlmMapSource {
  version: string;
  notModified: boolean;
  /** LiteLLM entries as last applied by the `litellm` provider, of models still listed. */
  entries: Record<string, Record<string, unknown>>;
  /** Active prices of every provider. */
  prices: ActivePriceRow[];
}

/** Rows per call when staging a large apply: keeps each request well under PostgREST's body limit. */
export const APPLY_CHUNK_ROWS = 5_000;

/** The typed face of the port: every operation is one SQL function call (one round trip). */
export class PricingStore {
  constructor(readonly transport: RpcTransport) {}

  get kind(): StoreKind {
    return this.transport.kind;
  }

  async takeLease(request: {
    trigger: RunTrigger;
    triggeredBy: string | null;
    dryRun: boolean;
    forced: boolean;
    providers: readonly string[];
    leaseSeconds: number;
  }): Promise<LeaseResult> {
    const result = (await this.transport.call('pricing_take_lease', {
      p_trigger: request.trigger,
      p_triggered_by: request.triggeredBy,
      p_dry_run: request.dryRun,
      p_forced: request.forced,
      p_providers: request.providers,
      p_lease_seconds: request.leaseSeconds,
    })) as {
      acquired: boolean;
      run?: { id: number; started_at: string };
      abandoned_run_id?: number | null;
      holder?: {
        run_id: number;
        started_at: string;
        expires_at: string;
        trigger: RunTrigger;
        triggered_by: string | null;
      };
    };
    if (result.acquired && result.run) {
      return {
        acquired: true,
        runId: Number(result.run.id),
        startedAt: result.run.started_at,
        abandonedRunId: result.abandoned_run_id ?? null,
      };
    }
    const holder = result.holder!;
    return {
      acquired: false,
      holder: {
        runId: Number(holder.run_id),
        startedAt: holder.started_at,
        expiresAt: holder.expires_at,
        trigger: holder.trigger,
        triggeredBy: holder.triggered_by,
      },
    };
  }

  /**
   * Marks the run of an expired lease abandoned and frees the lease; returns that run's id, or null.
   * A killed run otherwise stays 'running' until the next run takes the lease over.
   */
  async reapLease(): Promise<number | null> {
    const result = (await this.transport.call('pricing_reap_lease', {})) as {
      abandoned_run_id: number | string | null;
    };
    return result.abandoned_run_id === null ? null : Number(result.abandoned_run_id);
  }

  async readProviders(): Promise<ProviderRow[]> {
    return (await this.transport.call('pricing_read_providers', {})) as ProviderRow[];
  }

  async readModels(provider: ProviderSlug): Promise<StoredModel[]> {
    const rows = (await this.transport.call('pricing_read_models', {
      p_provider: provider,
    })) as CompactModel[];
    return rows.map(fromCompact);
  }

  /**
   * Applies one provider's changes all-or-nothing. Up to APPLY_CHUNK_ROWS rows go in the commit
   * call itself; a larger apply stages the rest first, chunk by chunk, and the commit applies
   * everything in one transaction (a failure anywhere leaves the provider as it was).
   */
  async applyProvider(request: ApplyRequest): Promise<CommitResult> {
    const rows = request.records.map(toModelRow);
    const chunks: ModelRow[][] = [];
    for (let start = 0; start < rows.length; start += APPLY_CHUNK_ROWS) {
      chunks.push(rows.slice(start, start + APPLY_CHUNK_ROWS));
    }
    const inline = chunks.pop() ?? [];
    for (const [index, chunk] of chunks.entries()) {
      await this.transport.call('pricing_stage_chunk', {
        p_run_id: request.runId,
        p_provider: request.provider,
        p_chunk_no: index,
        p_rows: chunk,
      });
    }
    return (await this.transport.call('pricing_commit_provider', {
      p_run_id: request.runId,
      p_provider: request.provider,
      p_rows: inline,
      p_missing: request.missing,
      p_catalog_hash: request.catalogHash,
      p_held: { count: request.heldCount ?? request.held.length, changes: request.held },
      p_source: request.source,
    })) as CommitResult;
  }

  async finishRun(
    runId: number,
    status: FinishedRunStatus,
    results: Record<string, unknown>,
    error: string | null,
  ): Promise<FinishResult> {
    return (await this.transport.call('pricing_finish_run', {
      p_run_id: runId,
      p_status: status,
      p_results: results,
      p_error: error,
    })) as FinishResult;
  }

  async readStatus(recentRuns = 10): Promise<StatusSnapshot> {
    return (await this.transport.call('pricing_read_status', { p_recent: recentRuns })) as StatusSnapshot;
  }

  async readMetrics(): Promise<MetricsSnapshot> {
    return (await this.transport.call('pricing_read_metrics', {})) as MetricsSnapshot;
  }

  async pruneRuns(olderThanSeconds: number): Promise<{ deleted: number }> {
    return (await this.transport.call('pricing_prune_runs', { p_older_than_seconds: olderThanSeconds })) as {
      deleted: number;
    };
  }

  /**
   * One page of the prices in force (GET /prices), in (provider, model_id) order after `after`.
   * With `knownVersion` equal to the current price version, only `{version, notModified: true}`.
   */
  async readPrices(query: PricesQuery): Promise<PricesPage> {
    const result = (await this.transport.call('pricing_read_prices', {
      p_providers: query.providers ?? null,
      p_model_id: query.modelId ?? null,
      p_states: query.states ?? null,
      p_updated_since: query.updatedSince ?? null,
      p_after_provider: query.after?.[0] ?? null,
      p_after_model_id: query.after?.[1] ?? null,
      p_limit: query.limit,
      p_known_version: query.knownVersion ?? null,
    })) as {
      version: number | string;
      not_modified?: boolean;
      prices?: PriceView[];
      next?: [string, string] | null;
    };
    return {
      version: String(result.version),
      notModified: result.not_modified === true,
      prices: result.prices ?? [],
      next: result.next ?? null,
    };
  }

  /** Stores the LiteLLM map's entries ({model id: entry as published}) for the run holding the lease. */
  async putLiteLlmEntries(runId: number, entries: Record<string, Record<string, unknown>>): Promise<number> {
    const result = (await this.transport.call('pricing_put_litellm_entries', {
      p_run_id: runId,
      p_entries: entries,
    })) as { written: number };
    return result.written;
  }

  /** What the LiteLLM cost map is built from, in one call (see pricing_read_litellm_map). */
  async readLiteLlmMap(knownVersion: string | null): Promise<LiteLlmMapSource> {
    const result = (await this.transport.call('pricing_read_litellm_map', {
      p_known_version: knownVersion,
    })) as {
      version: number | string;
      not_modified?: boolean;
      entries?: Record<string, Record<string, unknown>>;
      prices?: ActivePriceRow[];
    };
    return {
      version: String(result.version),
      notModified: result.not_modified === true,
      entries: result.entries ?? {},
      prices: result.prices ?? [],
    };
  }

  async ping(): Promise<void> {
    await this.transport.call('pricing_ping', {});
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

type CompactModel = [
  string,
  ModelState,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  Record<string, string>,
  PricingTier[],
  number | null,
  string | null,
];

function fromCompact(row: CompactModel): StoredModel {
  const [
    modelId,
    state,
    input,
    output,
    cacheRead,
    cacheWrite,
    request,
    image,
    extra,
    tiers,
    contextLength,
    aliasOf,
  ] = row;
  return {
    modelId,
    state,
    inputUsdPerMillionTokens: input,
    outputUsdPerMillionTokens: output,
    cacheReadUsdPerMillionTokens: cacheRead,
    cacheWriteUsdPerMillionTokens: cacheWrite,
    requestUsd: request,
    imageUsd: image,
    extraPrices: extra,
    tiers,
    contextLength,
    aliasOf,
  };
}

/** The row shape pricing_commit_provider reads (see the migration). */
interface ModelRow {
  model_id: string;
  state: string;
  input: string | null;
  output: string | null;
  cache_read: string | null;
  cache_write: string | null;
  request: string | null;
  image: string | null;
  extra: Record<string, string>;
  tiers: PricingTier[];
  context_length: number | null;
  alias_of: string | null;
}

function toModelRow(record: PriceRecord): ModelRow {
  return {
    model_id: record.modelId,
    state: record.state,
    input: record.inputUsdPerMillionTokens,
    output: record.outputUsdPerMillionTokens,
    cache_read: record.cacheReadUsdPerMillionTokens,
    cache_write: record.cacheWriteUsdPerMillionTokens,
    request: record.requestUsd,
    image: record.imageUsd,
    extra: record.extraPrices,
    tiers: record.tiers,
    context_length: record.contextLength,
    alias_of: record.aliasOf,
  };
}
