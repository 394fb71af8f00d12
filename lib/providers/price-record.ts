/**
 * The one canonical price record every provider normalizes to. Nothing downstream of a provider's
 * `normalize` step sees that provider's wire shape.
 *
 * Every price is a decimal string (never a JS number) in plain notation without exponent and
 * without trailing zeros (`"0.7"`, `"3"`, `"0"`), or null when the provider gives no such price.
 */

/**
 * A provider's slug (`openrouter`, `nearai`, …). A plain string: the known ones are the registry's
 * definitions (`lib/providers/registry.ts`), and a test may register one of its own.
 */
export type ProviderSlug = string;

/** States a stored model can be in. A normalizer only produces the first three. */
export const MODEL_STATES = ['active', 'variable', 'unpriced', 'missing'] as const;
export type ModelState = (typeof MODEL_STATES)[number];
export type FetchedModelState = Exclude<ModelState, 'missing'>;

/** One pricing tier (declared beside the cost arithmetic, which reads it, so that lib/cost needs nothing above it). */
import type { PricingTier } from '../cost/request-cost.js';
export type { PricingTier };

/**
 * The base prices, declared once. Every list of them (the record's fields, the wire row the SQL
 * functions read, the API view, the comparer, the catalog hash, the price bounds, the guardrails,
 * the pin input, the admin CLI's pin flags, the LiteLLM map) iterates over this declaration, in
 * this order; the positional rows of pricing_read_models and pricing_read_litellm_map give them in
 * this order too. Adding one here (and its columns in a migration) is the whole of a new base price:
 * see docs/adding-a-price-field.md.
 * - `field`: the domain record's field (camelCase, with its unit).
 * - `row`: its key in the wire rows and pins (snake_case; also the pin input's and the bounds' name).
 * - `view`: its key in the API view (GET /prices, held changes, pins, runs, history documents).
 * - `perMillionTokens`: USD per 1M tokens (the new-model guardrail checks these); otherwise USD per unit.
 * - `liteLlmKey`: LiteLLM's cost key for it in the map we serve (per token when `perMillionTokens`),
 *   or null when LiteLLM has none.
 */
export const BASE_PRICES = [
  /** USD per 1M input (prompt) tokens, base tier. */
  {
    field: 'inputUsdPerMillionTokens',
    row: 'input',
    view: 'input_price_per_1m_tokens',
    perMillionTokens: true,
    liteLlmKey: 'input_cost_per_token',
  },
  /** USD per 1M output (completion) tokens, base tier. */
  {
    field: 'outputUsdPerMillionTokens',
    row: 'output',
    view: 'output_price_per_1m_tokens',
    perMillionTokens: true,
    liteLlmKey: 'output_cost_per_token',
  },
  /** USD per 1M cached input tokens read. */
  {
    field: 'cacheReadUsdPerMillionTokens',
    row: 'cache_read',
    view: 'cache_read_price_per_1m_tokens',
    perMillionTokens: true,
    liteLlmKey: 'cache_read_input_token_cost',
  },
  /** USD per 1M input tokens written to the cache (5-minute / default TTL). */
  {
    field: 'cacheWriteUsdPerMillionTokens',
    row: 'cache_write',
    view: 'cache_write_price_per_1m_tokens',
    perMillionTokens: true,
    liteLlmKey: 'cache_creation_input_token_cost',
  },
  /** USD per request, as the provider gives it. */
  {
    field: 'requestUsd',
    row: 'request',
    view: 'request_price',
    perMillionTokens: false,
    liteLlmKey: 'input_cost_per_request',
  },
  /** USD per input image, as the provider gives it. */
  {
    field: 'imageUsd',
    row: 'image',
    view: 'image_price',
    perMillionTokens: false,
    liteLlmKey: 'input_cost_per_image',
  },
] as const;

export type BasePrice = (typeof BASE_PRICES)[number];
/** A base price's field of the domain record (`inputUsdPerMillionTokens`, …). */
export type BasePriceField = BasePrice['field'];

/** The base prices of a record: each a decimal string, or null when the provider gives no such price. */
export type BasePrices = { [Field in BasePriceField]: string | null };

/** One value per base price, keyed by the declaration's `key` (`field`, `row` or `view`), in declaration order. */
export function perBasePrice<Key extends 'field' | 'row' | 'view', Value>(
  key: Key,
  value: (price: BasePrice, index: number) => Value,
): Record<BasePrice[Key], Value> {
  const result: Partial<Record<BasePrice[Key], Value>> = {};
  BASE_PRICES.forEach((price, index) => {
    result[price[key]] = value(price, index);
  });
  return result as Record<BasePrice[Key], Value>;
}

/** The base prices of a record (or any object holding them), keyed by `row` or `view`: the wire and API keys. */
export function basePricesAs<Key extends 'row' | 'view'>(
  key: Key,
  prices: BasePrices,
): Record<BasePrice[Key], string | null> {
  return perBasePrice(key, (price) => prices[price.field]);
}

/** Just the base prices of a record (or any object holding them). */
export function basePricesOf(prices: BasePrices): BasePrices {
  return perBasePrice('field', (price) => prices[price.field]);
}

export interface PriceRecord extends BasePrices {
  provider: ProviderSlug;
  modelId: string;
  state: FetchedModelState;
  /**
   * Every other price kind the provider gives, keyed with its unit, e.g.
   * `web_search_per_request`, `internal_reasoning_per_1m_tokens`, `audio_input_per_1m_tokens`,
   * `image_output_per_1m_tokens`, `cache_write_1h_per_1m_tokens`. Values are USD decimal strings.
   */
  extraPrices: Record<string, string>;
  tiers: PricingTier[];
  contextLength: number | null;
  /** For alias ids (OpenRouter `~…`): the id this alias points at. */
  aliasOf: string | null;
}

/** An item the provider listed that could not be turned into a record; skipped and counted. */
export interface InvalidItem {
  id: string | null;
  reason: string;
}

/** What a provider's normalize step returns: records plus what it had to skip. */
export interface NormalizedCatalog {
  records: PriceRecord[];
  invalid: InvalidItem[];
  /**
   * Ids of models the provider lists whose item could not be read (a price that does not parse, a
   * JSON number where a string belongs, a price out of bounds). Listed, so never marked `missing`;
   * unreadable, so their stored state and prices are kept as they are.
   */
  unreadableIds?: string[];
  /**
   * `litellm` only: each record's LiteLLM map entry as published (model id -> entry), kept so the
   * LiteLLM map we serve passes through the keys we do not override (mode, supports_*, …).
   */
  liteLlmEntries?: Record<string, Record<string, unknown>>;
  /**
   * A catalog whose items were digested (item-digest.ts): each listed item's digest by model id,
   * the records' and the skipped items', in listing order.
   */
  itemDigests?: Map<string, string>;
  /**
   * Ids of listed items that were not normalized: their digest is the one their stored row was
   * written from, so the row stands for them (unchanged). Not in `records`.
   */
  skippedIds?: string[];
  /** Of `skippedIds`, how many are unpriced and variable (their stored rows' states). */
  skippedStates?: { unpriced: number; variable: number };
}
