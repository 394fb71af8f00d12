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

export interface PriceRecord {
  provider: ProviderSlug;
  modelId: string;
  state: FetchedModelState;
  /** USD per 1M input (prompt) tokens, base tier. */
  inputUsdPerMillionTokens: string | null;
  /** USD per 1M output (completion) tokens, base tier. */
  outputUsdPerMillionTokens: string | null;
  /** USD per 1M cached input tokens read. */
  cacheReadUsdPerMillionTokens: string | null;
  /** USD per 1M input tokens written to the cache (5-minute / default TTL). */
  cacheWriteUsdPerMillionTokens: string | null;
  /** USD per request, as the provider gives it. */
  requestUsd: string | null;
  /** USD per input image, as the provider gives it. */
  imageUsd: string | null;
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
}
