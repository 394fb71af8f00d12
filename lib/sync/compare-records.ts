import { compareDecimal } from '../money/decimal.js';
import type { StoredModel } from '../domain/stored-model.js';
import { BASE_PRICES, type PriceRecord } from '../providers/price-record.js';

function samePrice(a: string | null, b: string | null): boolean {
  // Equal text is an equal price; only different spellings ("1.50" and "1.5") need the numeric
  // comparison, which parses both (the profile of a 25,000-model sync showed it per price).
  if (a === b) return true;
  if (a === null || b === null) return false;
  return compareDecimal(a, b) === 0;
}

function samePrices(a: Record<string, string>, b: Record<string, string>): boolean {
  let count = 0;
  for (const key in a) {
    if (!Object.hasOwn(a, key)) continue;
    count += 1;
    if (!Object.hasOwn(b, key) || !samePrice(a[key]!, b[key]!)) return false;
  }
  let other = 0;
  for (const key in b) if (Object.hasOwn(b, key)) other += 1;
  return count === other;
}

export const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * JSON with object keys sorted, so that equal documents give equal text (keys with an undefined
 * value are left out, as JSON.stringify does). Plain loops: this runs for every record of every
 * catalog, and the array-method version was the top entry of a 25,000-model sync's profile.
 */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let text = '[';
    for (let index = 0; index < value.length; index += 1) {
      if (index > 0) text += ',';
      // As Array.prototype.join would: an item JSON cannot spell (undefined) gives nothing.
      text += (stableJson(value[index]) as string | undefined) ?? '';
    }
    return `${text}]`;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (keys.length > 1) keys.sort(byCodeUnit);
  let text = '{';
  let first = true;
  for (const key of keys) {
    const item = object[key];
    if (item === undefined) continue;
    if (!first) text += ',';
    first = false;
    text += `${JSON.stringify(key)}:${stableJson(item)}`;
  }
  return `${text}}`;
}

/** Whether two tier lists say the same; most models have none. */
function sameTiers(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length === 0 || b.length === 0) return a.length === b.length;
  return stableJson(a) === stableJson(b);
}

/** The base prices' fields, as a plain array: an indexed loop over it is the cheapest per record. */
const BASE_PRICE_FIELDS = BASE_PRICES.map((price) => price.field);

/** Whether the stored model already says what the fetched record says (prices compared as numbers). */
export function sameAsStored(stored: StoredModel, fetched: PriceRecord): boolean {
  if (stored.state !== fetched.state) return false;
  for (let index = 0; index < BASE_PRICE_FIELDS.length; index += 1) {
    const field = BASE_PRICE_FIELDS[index]!;
    if (!samePrice(stored[field], fetched[field])) return false;
  }
  return (
    samePrices(stored.extraPrices, fetched.extraPrices) &&
    sameTiers(stored.tiers, fetched.tiers) &&
    stored.contextLength === fetched.contextLength &&
    stored.aliasOf === fetched.aliasOf
  );
}
