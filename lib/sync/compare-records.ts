import { compareDecimal } from '../money/decimal.js';
import type { StoredModel } from '../db/pricing-store.js';
import type { PriceRecord } from '../providers/price-record.js';

function samePrice(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  return compareDecimal(a, b) === 0;
}

function samePrices(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && samePrice(a[key]!, b[key]!));
}

/** JSON with object keys sorted, so that equal documents give equal text. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Whether the stored model already says what the fetched record says (prices compared as numbers). */
export function sameAsStored(stored: StoredModel, fetched: PriceRecord): boolean {
  return (
    stored.state === fetched.state &&
    samePrice(stored.inputUsdPerMillionTokens, fetched.inputUsdPerMillionTokens) &&
    samePrice(stored.outputUsdPerMillionTokens, fetched.outputUsdPerMillionTokens) &&
    samePrice(stored.cacheReadUsdPerMillionTokens, fetched.cacheReadUsdPerMillionTokens) &&
    samePrice(stored.cacheWriteUsdPerMillionTokens, fetched.cacheWriteUsdPerMillionTokens) &&
    samePrice(stored.requestUsd, fetched.requestUsd) &&
    samePrice(stored.imageUsd, fetched.imageUsd) &&
    samePrices(stored.extraPrices, fetched.extraPrices) &&
    stableJson(stored.tiers) === stableJson(fetched.tiers) &&
    stored.contextLength === fetched.contextLength &&
    stored.aliasOf === fetched.aliasOf
  );
}
