import { z } from 'zod';
import {
  BASE_PRICES,
  MODEL_STATES,
  perBasePrice,
  type BasePrices,
  type ModelState,
  type PriceRecord,
  type PricingTier,
} from '../providers/price-record.js';
import type { StoredModel } from '../domain/stored-model.js';
import { RUN_STATUSES, RUN_TRIGGERS } from '../domain/run-types.js';
import { StoreError } from './store-error.js';
import { decimal, extraPrices, pricingTier } from './rpc-arguments.js';

/**
 * What each SQL function returns, checked at the port: zod schemas of the wire (snake_case, as
 * SQL builds it) that turn it into the camelCase types the rest of the code reads. Unknown keys
 * are dropped, so a column added to a table breaks nothing; a missing or mistyped one is a
 * StoreError (`MALFORMED_RESULT`), never a crash deep inside or a silently wrong value.
 */

/** The code of the StoreError for a result of the wrong shape. */
export const MALFORMED_RESULT = 'MALFORMED_RESULT';

export const timestamp = z.string();
/** bigint ids arrive as JSON numbers (exact below 2^53, which a run id never reaches). */
export const id = z.number().int();
export const count = z.number().int().nonnegative();
export const trigger = z.enum(RUN_TRIGGERS);
export const runStatus = z.enum(RUN_STATUSES);
const modelsByState = z.partialRecord(z.enum(MODEL_STATES), count);

export const leaseResult = z
  .discriminatedUnion('acquired', [
    z.object({
      acquired: z.literal(true),
      run: z.object({ id, started_at: timestamp }),
      abandoned_run_id: id.nullable(),
    }),
    z.object({
      acquired: z.literal(false),
      holder: z.object({
        run_id: id,
        started_at: timestamp,
        expires_at: timestamp,
        trigger,
        triggered_by: z.string().nullable(),
      }),
    }),
  ])
  .transform((result) =>
    result.acquired
      ? {
          acquired: true as const,
          runId: result.run.id,
          startedAt: result.run.started_at,
          abandonedRunId: result.abandoned_run_id,
        }
      : {
          acquired: false as const,
          holder: {
            runId: result.holder.run_id,
            startedAt: result.holder.started_at,
            expiresAt: result.holder.expires_at,
            trigger: result.holder.trigger,
            triggeredBy: result.holder.triggered_by,
          },
        },
  );
export type LeaseResult = z.output<typeof leaseResult>;

export const reapResult = z
  .object({ abandoned_run_id: id.nullable() })
  .transform((result) => result.abandoned_run_id);

const providerRow = z
  .object({
    provider: z.string(),
    last_attempt_at: timestamp.nullable(),
    last_success_at: timestamp.nullable(),
    last_run_id: id.nullable(),
    catalog_hash: z.string().nullable(),
    last_error_reason: z.string().nullable(),
    last_error: z.string().nullable(),
    models_by_state: modelsByState,
    held_count: count,
    held_changes: z.array(z.unknown()),
  })
  .transform((row) => ({
    provider: row.provider,
    lastAttemptAt: row.last_attempt_at,
    lastSuccessAt: row.last_success_at,
    lastRunId: row.last_run_id,
    catalogHash: row.catalog_hash,
    lastErrorReason: row.last_error_reason,
    lastError: row.last_error,
    modelsByState: row.models_by_state,
    heldCount: row.held_count,
    heldChanges: row.held_changes,
  }));
/** A provider's row: when it last synced, its catalog hash, its models by state, what is held. */
export type ProviderRow = z.output<typeof providerRow>;
export const providerRows = z.array(providerRow);

export const commitResult = z
  .object({ added: count, changed: count, restored: count, missing: count, rows_written: count })
  .transform(({ rows_written, ...counts }) => ({ ...counts, rowsWritten: rows_written }));
/** What pricing_commit_provider wrote: the change counts as the database decided them. */
export type CommitResult = z.output<typeof commitResult>;

export const stageResult = z.object({ staged: count });

/** pricing_set_catalog_hash: whether the row this run committed took the hash (0 or 1). */
export const setHashResult = z.object({ updated: count }).transform((result) => result.updated);

/** pricing_commit_litellm: the commit's counts and how many LiteLLM entries it wrote. */
export const commitLiteLlmResult = z
  .object({
    added: count,
    changed: count,
    restored: count,
    missing: count,
    rows_written: count,
    entries_written: count,
  })
  .transform(({ rows_written, entries_written, ...counts }) => ({
    ...counts,
    rowsWritten: rows_written,
    entriesWritten: entries_written,
  }));

/** numeric seconds: a JSON number from jsonb; a string is accepted as some drivers send numeric as text. */
const seconds = z.union([z.number(), z.string().regex(/^\d+(\.\d+)?$/)]).transform(Number);

export const finishResult = z
  .object({
    finished: z.boolean(),
    status: runStatus.optional(),
    run: z.object({ duration_seconds: seconds }).optional(),
  })
  .transform((result) => ({
    finished: result.finished,
    status: result.status,
    durationSeconds: result.run?.duration_seconds,
  }));
/** Whether this call finished the run (else the status it already had), and how long it ran. */
export type FinishResult = z.output<typeof finishResult>;

/** The columns of a stored run (to_jsonb of a pricing_sync_runs row) every reader of one checks. */
export const storedRunColumns = {
  id,
  trigger,
  triggered_by: z.string().nullable(),
  status: runStatus,
  dry_run: z.boolean(),
  forced: z.boolean(),
  providers: z.array(z.string()),
  started_at: timestamp,
  finished_at: timestamp.nullable(),
  results: z.record(z.string(), z.unknown()),
  error: z.string().nullable(),
};

const runSummary = z
  .object({ ...storedRunColumns, duration_seconds: seconds.nullable() })
  .transform((run) => ({
    id: run.id,
    trigger: run.trigger,
    triggeredBy: run.triggered_by,
    status: run.status,
    dryRun: run.dry_run,
    forced: run.forced,
    providers: run.providers,
    startedAt: run.started_at,
    finishedAt: run.finished_at,
    durationSeconds: run.duration_seconds,
    results: run.results,
    error: run.error,
  }));
export type RunSummary = z.output<typeof runSummary>;

export const statusSnapshot = z
  .object({
    now: timestamp,
    in_progress: z
      .object({
        run_id: id,
        trigger,
        triggered_by: z.string().nullable(),
        started_at: timestamp,
        expires_at: timestamp,
        dry_run: z.boolean(),
      })
      .nullable(),
    recent_runs: z.array(runSummary),
    last_cron_run: z
      .object({ id, status: runStatus, started_at: timestamp, finished_at: timestamp.nullable() })
      .nullable(),
    providers: providerRows,
  })
  .transform((status) => ({
    now: status.now,
    inProgress: status.in_progress && {
      runId: status.in_progress.run_id,
      trigger: status.in_progress.trigger,
      triggeredBy: status.in_progress.triggered_by,
      startedAt: status.in_progress.started_at,
      expiresAt: status.in_progress.expires_at,
      dryRun: status.in_progress.dry_run,
    },
    recentRuns: status.recent_runs,
    lastCronRun: status.last_cron_run && {
      id: status.last_cron_run.id,
      status: status.last_cron_run.status,
      startedAt: status.last_cron_run.started_at,
      finishedAt: status.last_cron_run.finished_at,
    },
    providers: status.providers,
  }));
export type StatusSnapshot = z.output<typeof statusSnapshot>;

export const metricsSnapshot = z
  .object({
    /** [metric, label1, label2, value as a decimal string] */
    totals: z.array(z.tuple([z.string(), z.string(), z.string(), z.string()])),
    providers: z.array(
      z.object({
        provider: z.string(),
        last_success_at: timestamp.nullable(),
        models_by_state: modelsByState,
        held_count: count,
      }),
    ),
    in_progress: z.boolean(),
    /** The database's clock, for ages (operator control, pricing_read_metrics). */
    now: timestamp.optional(),
    /** Pending held changes per provider, with the oldest one's first_held_at. */
    held: z
      .array(z.object({ provider: z.string(), pending: count, oldest_first_held_at: timestamp }))
      .optional(),
    /** Pins per provider, and those whose provider price differs from the pin. */
    pins: z.array(z.object({ provider: z.string(), pinned: count, drifting: count })).optional(),
  })
  .transform((metrics) => ({
    totals: metrics.totals,
    providers: metrics.providers.map((row) => ({
      provider: row.provider,
      lastSuccessAt: row.last_success_at,
      modelsByState: row.models_by_state,
      heldCount: row.held_count,
    })),
    inProgress: metrics.in_progress,
    now: metrics.now ?? null,
    held: metrics.held?.map((row) => ({
      provider: row.provider,
      pending: row.pending,
      oldestFirstHeldAt: row.oldest_first_held_at,
    })),
    pins: metrics.pins,
  }));
/** `now`, `held` and `pins` (operator control) are optional: /metrics works without them. */
export type MetricsSnapshot = Omit<z.output<typeof metricsSnapshot>, 'now' | 'held' | 'pins'> &
  Partial<Pick<z.output<typeof metricsSnapshot>, 'now' | 'held' | 'pins'>>;

export const pruneResult = z.object({ deleted: count });
export const pingResult = z.object({ ok: z.literal(true) });

/**
 * A price in the API's one shape (GET /prices, held changes, pins, prices at a time, history):
 * decimal strings, USD per 1M tokens (or per request / image), null when the price is not given.
 * snake_case because this is the answers' wire format, as SQL builds it (pricing_price_view).
 */
export const priceView = z.object({
  state: z.string(),
  ...perBasePrice('view', () => decimal),
  extra: extraPrices,
  tiers: z.array(pricingTier),
  context_length: z.number().int().nullable(),
  alias_of: z.string().nullable(),
});
export type PriceView = z.output<typeof priceView>;

/** A price GET /prices serves: the price view of a model in force, with its key and since when. */
const servedPrice = z.object({
  provider: z.string(),
  model_id: z.string(),
  ...priceView.shape,
  state: z.enum(MODEL_STATES),
  /** When this price took effect (the last price change, or later a pin). */
  effective_at: timestamp,
  pinned: z.boolean(),
  /** When a successful sync of its provider last listed the model; null if none ever did. */
  checked_at: timestamp.nullable(),
  /** A held change for the model waits for review: the feed disagrees with the served price. */
  pending_review: z.boolean(),
});
export type ServedPrice = z.output<typeof servedPrice>;

/**
 * The prices POST /prices/cost bills with (pricing_read_cost_prices): per key found, `n` (its
 * position in the keys, from 1), the price view in force, since when, and whether a pin set it.
 */
export const costPrices = z.object({
  now: timestamp,
  prices: z.array(
    z.object({
      n: z.number().int().positive(),
      ...priceView.shape,
      effective_at: timestamp,
      pinned: z.boolean(),
    }),
  ),
});
export type CostPricesResult = z.output<typeof costPrices>;

/** A price version: a bigint sequence value, as a JSON number; kept as text (it goes into ETags). */
const version = z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform(String);

export const pricesPage = z
  .object({
    version,
    not_modified: z.boolean().optional(),
    prices: z.array(servedPrice).optional(),
    next: z.tuple([z.string(), z.string()]).nullable().optional(),
  })
  .transform((page) => ({
    version: page.version,
    notModified: page.not_modified === true,
    prices: page.prices ?? [],
    next: page.next ?? null,
  }));
export type PricesPage = z.output<typeof pricesPage>;

/** The envelope only: its rows, one per active price, are decoded by activePriceOf. */
export const liteLlmMapSource = z
  .object({
    version,
    not_modified: z.boolean().optional(),
    entries: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
    prices: z.array(z.unknown()).optional(),
  })
  .transform((source) => ({
    version: source.version,
    notModified: source.not_modified === true,
    entries: source.entries ?? {},
    prices: (source.prices ?? []).map((row, index) => activePriceOf(row, index)),
  }));
export type LiteLlmMapSource = z.output<typeof liteLlmMapSource>;

/** The envelope only: 25,000 rows are decoded by storedModelOf, which is several times cheaper than zod. */
export const storedModelRows = z
  .array(z.unknown())
  .transform((rows) => rows.map((row, index) => storedModelOf(row, index)));

/** One stored model as a sync compares its items with it (pricing_read_source_digests). */
export interface StoredDigest {
  modelId: string;
  state: ModelState;
  /** The digest of the item the row was written from (item-digest.ts); null when none stands. */
  digest: string | null;
}

/** pricing_read_source_digests' row: [model_id, state, source_digest]. */
const DIGEST_ROW: readonly Column[] = ['text', 'state', 'text or null'];

/** The envelope, then each row checked positionally, as storedModelRows does. */
export const storedDigestRows = z.array(z.unknown()).transform((rows) =>
  rows.map((value, index): StoredDigest => {
    const row = checkedRow(value, DIGEST_ROW, () => String(index));
    return { modelId: row[0] as string, state: row[1] as ModelState, digest: row[2] as string | null };
  }),
);

/**
 * pricing_read_source_index's columns: the ids as a JSON array, the states and digests as words
 * separated by one space in the same order (`-`: no digest). Each column must hold one entry per
 * id, each state one of MODEL_STATES and each id text; read into rows as storedDigestRows gives them.
 */
export const storedDigestIndex = z
  .object({ ids: z.unknown(), states: z.string(), digests: z.string() })
  .transform(({ ids, states, digests }): StoredDigest[] => {
    if (!Array.isArray(ids)) throw new MalformedRow(`ids: expected an array, got ${preview(ids)}`);
    if (ids.length === 0) {
      if (states !== '' || digests !== '')
        throw new MalformedRow('states and digests: expected none for no ids');
      return [];
    }
    const stateWords = states.split(' ');
    const digestWords = digests.split(' ');
    if (stateWords.length !== ids.length || digestWords.length !== ids.length) {
      throw new MalformedRow(
        `expected ${ids.length} states and digests, got ${stateWords.length} and ${digestWords.length}`,
      );
    }
    const rows = new Array<StoredDigest>(ids.length);
    for (let index = 0; index < ids.length; index += 1) {
      const modelId: unknown = ids[index];
      const state = stateWords[index];
      if (typeof modelId !== 'string')
        throw new MalformedRow(`ids.${index}: expected text, got ${preview(modelId)}`);
      if (!STATES.has(state))
        throw new MalformedRow(`states.${index}: expected a state, got ${preview(state)}`);
      const digest = digestWords[index]!;
      rows[index] = { modelId, state: state as ModelState, digest: digest === '-' ? null : digest };
    }
    return rows;
  });

/** Decodes a result with its schema; a mismatch is a StoreError naming the function and the first issue. */
export function decodeResult<Schema extends z.ZodType>(
  name: string,
  schema: Schema,
  value: unknown,
): z.output<Schema> {
  let parsed;
  try {
    // Without zod's compiled fast path: each result schema is parsed a few times per process, and
    // compiling it (new Function) cost more than it saved (~10 ms of a 25k re-sync's 0.4 s).
    parsed = schema.safeParse(value, { jitless: true });
  } catch (error) {
    if (error instanceof MalformedRow) throw malformed(name, error.message, error);
    throw error;
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.map(String).join('.')}: ` : '';
    throw malformed(name, `${where}${issue?.message ?? 'invalid'}`, parsed.error);
  }
  return parsed.data;
}

function malformed(name: string, detail: string, cause: unknown): StoreError {
  return new StoreError(`${name}: the database answered with an unexpected shape (${detail})`, {
    code: MALFORMED_RESULT,
    cause,
  });
}

/** A positional row that does not have the shape its SQL function builds. */
class MalformedRow extends Error {}

const STATES: ReadonlySet<unknown> = new Set(MODEL_STATES);

/** What one position of a row holds. */
type Column = 'text' | 'text or null' | 'integer or null' | 'object' | 'array' | 'state';

function fits(value: unknown, column: Column): boolean {
  switch (column) {
    case 'text':
      return typeof value === 'string';
    case 'text or null':
      return value === null || typeof value === 'string';
    case 'integer or null':
      return value === null || Number.isInteger(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'state':
      return STATES.has(value);
  }
}

/**
 * The row, if each position holds what `columns` says. One tight pass per row (25,000 of them in a
 * provider's read); the message is only built for a row that does not fit.
 */
function checkedRow(value: unknown, columns: readonly Column[], where: () => string): unknown[] {
  if (Array.isArray(value) && value.length === columns.length) {
    let position = 0;
    while (position < columns.length && fits(value[position], columns[position]!)) position += 1;
    if (position === columns.length) return value;
    throw new MalformedRow(
      `${where()}.${position}: expected ${columns[position]}, got ${preview(value[position])}`,
    );
  }
  throw new MalformedRow(`${where()}: expected an array of ${columns.length} items`);
}

/** A value for a message: JSON, cut short (a hostile row may hold anything). */
function preview(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 40 ? `${json.slice(0, 40)}…` : json;
}

/** The base prices, in BASE_PRICES' order: both positional reads give them so. */
const BASE_PRICE_COLUMNS: readonly Column[] = BASE_PRICES.map((): Column => 'text or null');
/** The position of the first column after the base prices, which start at position 2 in both rows. */
const AFTER = 2 + BASE_PRICES.length;

/** The base prices of a checked row, at positions 2 … AFTER - 1. */
function basePricesAt(row: unknown[]): BasePrices {
  return perBasePrice('field', (_price, index) => row[2 + index] as string | null);
}

/** pricing_read_models' row: [model_id, state, input, output, cache_read, cache_write, request,
 * image, extra_prices, pricing_tiers, context_length, alias_of]. */
const MODEL_ROW: readonly Column[] = [
  'text',
  'state',
  ...BASE_PRICE_COLUMNS,
  'object',
  'array',
  'integer or null',
  'text or null',
];

/** A stored model's layout, spread first so that V8 clones it (see catalog-items' EMPTY_RECORD). */
const EMPTY_STORED_MODEL: StoredModel = {
  modelId: '',
  state: 'active',
  ...perBasePrice('field', () => null),
  extraPrices: {},
  tiers: [],
  contextLength: null,
  aliasOf: null,
};
const BASE_PRICE_FIELDS = BASE_PRICES.map((price) => price.field);

/** One row of pricing_read_models, decoded: the one place that order is read. */
export function storedModelOf(value: unknown, index: number): StoredModel {
  const row = checkedRow(value, MODEL_ROW, () => String(index));
  const model: StoredModel = {
    ...EMPTY_STORED_MODEL,
    modelId: row[0] as string,
    state: row[1] as ModelState,
    extraPrices: row[AFTER] as Record<string, string>,
    tiers: row[AFTER + 1] as PricingTier[],
    contextLength: row[AFTER + 2] as number | null,
    aliasOf: row[AFTER + 3] as string | null,
  };
  // Every stored model of a provider is read for its diff: a loop, not a spread of basePricesAt.
  for (let at = 0; at < BASE_PRICE_FIELDS.length; at += 1)
    model[BASE_PRICE_FIELDS[at]!] = row[2 + at] as string | null;
  return model;
}

/** A provider's active price, for the LiteLLM map. */
export type ActivePrice = { provider: string } & Pick<
  PriceRecord,
  'modelId' | 'contextLength' | 'extraPrices' | 'tiers'
> &
  BasePrices;

/** pricing_read_litellm_map's price row: [provider, model_id, input, output, cache_read,
 * cache_write, request, image, context_length, extra_prices, pricing_tiers]. */
const PRICE_ROW: readonly Column[] = [
  'text',
  'text',
  ...BASE_PRICE_COLUMNS,
  'integer or null',
  'object',
  'array',
];

/** One price row of pricing_read_litellm_map, decoded: the one place that order is read. */
export function activePriceOf(value: unknown, index: number): ActivePrice {
  const row = checkedRow(value, PRICE_ROW, () => `prices.${index}`);
  return {
    provider: row[0] as string,
    modelId: row[1] as string,
    ...basePricesAt(row),
    contextLength: row[AFTER] as number | null,
    extraPrices: row[AFTER + 1] as Record<string, string>,
    tiers: row[AFTER + 2] as PricingTier[],
  };
}

/** pricing_read_freshness: each provider with models or a provider row, and the database's clock. */
export const freshnessSnapshot = z
  .object({
    now: timestamp,
    providers: z.array(
      z.object({
        provider: z.string(),
        last_success_at: timestamp.nullable(),
        last_attempt_at: timestamp.nullable(),
        failing_since: timestamp.nullable(),
        last_error_reason: z.string().nullable(),
        has_models: z.boolean(),
      }),
    ),
  })
  .transform((snapshot) => ({
    now: snapshot.now,
    providers: snapshot.providers.map((row) => ({
      provider: row.provider,
      lastSuccessAt: row.last_success_at,
      lastAttemptAt: row.last_attempt_at,
      failingSince: row.failing_since,
      lastErrorReason: row.last_error_reason,
      hasModels: row.has_models,
    })),
  }));
export type FreshnessSnapshot = z.output<typeof freshnessSnapshot>;
/** One provider's stored freshness: its last success, its failing streak, whether it has models. */
export type FreshnessRow = FreshnessSnapshot['providers'][number];
