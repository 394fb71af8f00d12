import { compareDecimalDigits, decimalDigits, DecimalError } from '../money/decimal.js';
import { BASE_PRICES, type NormalizedCatalog, type PriceRecord } from '../providers/price-record.js';
import { reportedId } from '../providers/catalog-items.js';

/**
 * What a stored price may be. Prices outside these bounds are not prices but broken or hostile feed
 * values (`"1e400"`, `1e308`, a 99-digit string): the item is invalid, and a listed model keeps what
 * is stored for it.
 */
export interface PriceBounds {
  /** Largest price accepted, in USD per 1M tokens (also applied to per-request and per-image prices). */
  maxPricePer1m: string;
}

/** `PRICING_MAX_PRICE_PER_1M`'s default: no model costs a million dollars per million tokens. */
export const DEFAULT_MAX_PRICE_PER_1M = '1000000';
/** Smallest non-zero price accepted, USD per 1M tokens; anything smaller is a unit or exponent error. */
export const MIN_NONZERO_PRICE_PER_1M = '0.000000000001';
/** Most significant digits a price may have; a real price has a handful. */
export const MAX_SIGNIFICANT_DIGITS = 30;

const MIN_NONZERO = decimalDigits(MIN_NONZERO_PRICE_PER_1M);

/** The cap as read once (it was read again for every price), and how many integer digits it has. */
interface Cap {
  text: string;
  parts: ReturnType<typeof decimalDigits>;
  /** Digits before the point of a cap of at least 1 (`1000000`: 7); 0 for a cap below 1. */
  integerDigits: number;
}

let lastCap: Cap | null = null;

function capOf(bounds: PriceBounds): Cap {
  if (lastCap?.text === bounds.maxPricePer1m) return lastCap;
  const parts = decimalDigits(bounds.maxPricePer1m);
  const integerDigits =
    parts.negative || parts.digits === '' ? 0 : Math.max(0, parts.digits.length + parts.exponent);
  lastCap = { text: bounds.maxPricePer1m, parts, integerDigits };
  return lastCap;
}

const ZERO = 48;
const NINE = 57;
const POINT = 46;

/**
 * True when the price is surely within bounds without reading it as a decimal: plain digits with at
 * most one point inside (as every normalizer writes prices), at most 30 characters (so at most 30
 * significant digits), fewer integer digits than the cap (so below it), and either zero, at least 1,
 * or with fewer than 11 zeros after the point (so at least 1e-11, above the 1e-12 floor). Anything
 * else (a sign, an exponent, a leading zero, near a bound) goes to the full check. Every price of
 * every record of every catalog comes here; almost all are decided by this.
 */
function surelyInBounds(price: string, cap: Cap): boolean {
  const length = price.length;
  if (length === 0 || length > MAX_SIGNIFICANT_DIGITS) return false;
  let point = -1;
  for (let index = 0; index < length; index += 1) {
    const code = price.charCodeAt(index);
    if (code === POINT) {
      if (point !== -1 || index === 0 || index === length - 1) return false;
      point = index;
    } else if (code < ZERO || code > NINE) {
      return false;
    }
  }
  const integerDigits = point === -1 ? length : point;
  const first = price.charCodeAt(0);
  if (first === ZERO && integerDigits > 1) return false;
  if (integerDigits >= cap.integerDigits) return false;
  if (first !== ZERO || point === -1) return true;
  let zeros = 0;
  while (point + 1 + zeros < length && price.charCodeAt(point + 1 + zeros) === ZERO) zeros += 1;
  return point + 1 + zeros === length || zeros < 11;
}

/** Why one price is out of bounds, or null. */
export function priceOutOfBounds(price: string, bounds: PriceBounds): string | null {
  try {
    const cap = capOf(bounds);
    if (surelyInBounds(price, cap)) return null;
    // Read once and checked three ways.
    const parts = decimalDigits(price);
    if (parts.digits.length > MAX_SIGNIFICANT_DIGITS) {
      return `more than ${MAX_SIGNIFICANT_DIGITS} significant digits`;
    }
    if (compareDecimalDigits(parts, cap.parts) > 0) {
      return `above the ${bounds.maxPricePer1m} USD per 1M cap (PRICING_MAX_PRICE_PER_1M)`;
    }
    if (parts.digits !== '' && compareDecimalDigits(parts, MIN_NONZERO) < 0) {
      return `below ${MIN_NONZERO_PRICE_PER_1M} USD per 1M and not zero`;
    }
    return null;
  } catch (error) {
    if (error instanceof DecimalError) return error.message;
    throw error;
  }
}

/** The first price out of bounds as `field: price … is out of bounds: why`, or null. */
function check(field: string, price: unknown, bounds: PriceBounds): string | null {
  if (typeof price !== 'string') return null;
  const problem = priceOutOfBounds(price, bounds);
  if (problem === null) return null;
  const shown = price.length > 40 ? `${price.slice(0, 40)}…` : price;
  return `${field}: price ${shown} is out of bounds: ${problem}`;
}

function checkExtra(
  prefix: string,
  prices: Record<string, string> | undefined,
  bounds: PriceBounds,
): string | null {
  if (!prices) return null;
  for (const key in prices) {
    if (!Object.hasOwn(prices, key)) continue;
    const problem = check(`${prefix}${key}`, prices[key], bounds);
    if (problem !== null) return problem;
  }
  return null;
}

/**
 * Why a record holds a price out of bounds (the first such price), or null. Checked in this order:
 * base prices, extra prices, then each tier's (without building a list of them per record).
 */
export function recordOutOfBounds(record: PriceRecord, bounds: PriceBounds): string | null {
  for (const price of BASE_PRICES) {
    const problem = check(price.row, record[price.field], bounds);
    if (problem !== null) return problem;
  }
  const extra = checkExtra('', record.extraPrices, bounds);
  if (extra !== null) return extra;
  for (let index = 0; index < record.tiers.length; index += 1) {
    const tier = record.tiers[index]!;
    const problem =
      check(`tiers.${index}.input`, tier.input_per_1m_tokens, bounds) ??
      check(`tiers.${index}.output`, tier.output_per_1m_tokens, bounds) ??
      check(`tiers.${index}.cache_read`, tier.cache_read_per_1m_tokens, bounds) ??
      check(`tiers.${index}.cache_write`, tier.cache_write_per_1m_tokens, bounds) ??
      checkExtra(`tiers.${index}.`, tier.extra_prices, bounds);
    if (problem !== null) return problem;
  }
  return null;
}

/**
 * Moves every record with a price out of bounds to the catalog's invalid items. Its model stays
 * listed (in `unreadableIds`), so what is stored for it is kept, not marked missing; its LiteLLM
 * entry is left out too, so the one we serve keeps its previous version. Everything else of the
 * catalog (the other entries) is kept as it is.
 */
export function enforcePriceBounds(catalog: NormalizedCatalog, bounds: PriceBounds): NormalizedCatalog {
  const records: PriceRecord[] = [];
  const invalid = [...catalog.invalid];
  const unreadableIds = [...(catalog.unreadableIds ?? [])];
  const outOfBounds = new Set<string>();
  for (const record of catalog.records) {
    const problem = recordOutOfBounds(record, bounds);
    if (problem === null) {
      records.push(record);
    } else {
      invalid.push({ id: reportedId(record.modelId), reason: problem });
      unreadableIds.push(record.modelId);
      outOfBounds.add(record.modelId);
    }
  }
  if (outOfBounds.size === 0) return catalog;
  const bounded: NormalizedCatalog = { ...catalog, records, invalid, unreadableIds };
  if (catalog.liteLlmEntries) {
    bounded.liteLlmEntries = Object.fromEntries(
      Object.entries(catalog.liteLlmEntries).filter(([modelId]) => !outOfBounds.has(modelId)),
    );
  }
  return bounded;
}
