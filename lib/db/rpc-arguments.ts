import { z } from 'zod';
import { perBasePrice } from '../providers/price-record.js';

/**
 * The wire shapes of the SQL functions' jsonb arguments (snake_case, as the SQL reads them), as
 * zod schemas: rpc-catalog.ts declares each function's arguments with them, and the TypeScript
 * types of the rows below are derived from them, so a row and its declaration cannot drift apart.
 */

/** A decimal string (a price as Postgres numeric reads it), or null for no price. */
export const decimal = z.string().nullable();

/** One pricing tier as stored in `pricing_tiers` (see PricingTier in lib/providers/price-record.ts). */
export const pricingTier = z.object({
  min_prompt_tokens: z.number().optional(),
  max_prompt_tokens: z.number().optional(),
  utc_start: z.string().optional(),
  utc_end: z.string().optional(),
  input_per_1m_tokens: z.string().optional(),
  output_per_1m_tokens: z.string().optional(),
  cache_read_per_1m_tokens: z.string().optional(),
  cache_write_per_1m_tokens: z.string().optional(),
  extra_prices: z.record(z.string(), z.string()).optional(),
});

/** Prices keyed with their unit, e.g. `web_search`, `audio_input_per_1m_tokens`. */
export const extraPrices = z.record(z.string(), z.string());

/** The base prices (BASE_PRICES), as a row and a pin name them. */
const basePrices = perBasePrice('row', () => decimal);

/** A row as pricing_commit_provider reads it (see the migration). */
export const modelRow = z.object({
  model_id: z.string(),
  state: z.string(),
  ...basePrices,
  extra: extraPrices,
  tiers: z.array(pricingTier),
  context_length: z.number().int().nullable(),
  alias_of: z.string().nullable(),
  /** The digest of the item the row is written from (item-digest.ts); absent from other writers. */
  source_digest: z.string().optional(),
  /** A record the sync found unchanged: only its digest is new (written where the values are equal). */
  digest_only: z.literal(true).optional(),
});
export type ModelRow = z.input<typeof modelRow>;

/** A price row as pricing_record_sync_holds reads it; a pin's prices need no id or state. */
export const priceRow = modelRow.partial({
  model_id: true,
  state: true,
  context_length: true,
  alias_of: true,
});

/** A held change of a sync, as pricing_record_sync_holds reads it. */
export const syncHold = z.discriminatedUnion('scope', [
  z.object({
    scope: z.literal('model'),
    reason: z.string(),
    detail: z.string(),
    model_id: z.string(),
    row: priceRow,
  }),
  z.object({
    scope: z.literal('provider'),
    reason: z.string(),
    detail: z.string(),
    missing: z.array(z.string()),
  }),
]);
export type SyncHoldRow = z.input<typeof syncHold>;

/** The provider's price of a pinned model, for drift (pricing_record_sync_holds' p_pinned). */
export const pinnedRow = z.object({ model_id: z.string(), row: priceRow });

/**
 * A pin's prices: every base price named (a decimal string, or null for none), so that no price is
 * dropped because it was left out. `extra` and `tiers` are optional: left out, the model keeps its
 * current ones (the database fills them in); `{}` and `[]` remove them.
 */
export const pinPrices = z.object({
  ...basePrices,
  extra: extraPrices.optional(),
  tiers: z.array(pricingTier).optional(),
});
export type PinPrices = z.input<typeof pinPrices>;

/** What a commit stores as the provider's held changes: how many, and those shown. */
export const heldSummary = z.object({
  count: z.number().int().nonnegative(),
  changes: z.array(z.unknown()).readonly(),
});

/** LiteLLM entries keyed by model id, each as LiteLLM publishes it. */
export const liteLlmEntries = z.record(z.string(), z.record(z.string(), z.unknown()));

/** A run's results document (pricing_sync_runs.results). */
export const runResults = z.record(z.string(), z.unknown());
