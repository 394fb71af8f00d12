import { InvalidItemError } from './catalog-items.js';
import type { PricingTier } from './price-record.js';

/** The prices every provider maps to a record's (or a tier's) top-level fields. */
export type BaseField = 'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'request' | 'image';

/** A provider's prices, mapped: the base fields plus every other price keyed with its unit. */
export interface TierPrices {
  base: Partial<Record<BaseField, string>>;
  extra: Record<string, string>;
}

/**
 * The one tier builder: `conditions` plus the prices the tier names. A tier has no request or image
 * field, so those go to `extra_prices` (`request_per_request`, and the image price under `imageKey`,
 * which names its unit as the provider gives it).
 */
export function buildTier(conditions: PricingTier, prices: TierPrices, imageKey: string): PricingTier {
  const tier: PricingTier = { ...conditions };
  if (prices.base.input !== undefined) tier.input_per_1m_tokens = prices.base.input;
  if (prices.base.output !== undefined) tier.output_per_1m_tokens = prices.base.output;
  if (prices.base.cacheRead !== undefined) tier.cache_read_per_1m_tokens = prices.base.cacheRead;
  if (prices.base.cacheWrite !== undefined) tier.cache_write_per_1m_tokens = prices.base.cacheWrite;
  const extra = { ...prices.extra };
  if (prices.base.request !== undefined) extra.request_per_request = prices.base.request;
  if (prices.base.image !== undefined) extra[imageKey] = prices.base.image;
  if (Object.keys(extra).length > 0) tier.extra_prices = extra;
  return tier;
}

/** A tier bound: a non-negative safe integer count of tokens. */
export function tokenCount(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidItemError(
      `${field}: expected a token count, got ${JSON.stringify(value)?.slice(0, 40)}`,
    );
  }
  return value;
}
