import { HttpError } from '../edge/http-error.js';
import { DecimalError, normalizeDecimal } from '../money/decimal.js';
import { MAX_MODEL_ID_LENGTH } from '../providers/catalog-items.js';
import { INSTANT_FORM, parseInstant } from '../text/instant.js';
import { isStorableText } from '../text/storable-text.js';
import { priceOutOfBounds, type PriceBounds } from '../sync/price-bounds.js';
import { HELD_STATUSES, type HeldStatus, type PinPrices } from '../db/operator-store.js';
import { BASE_PRICES, perBasePrice, type PricingTier } from '../providers/price-record.js';

/**
 * Operator input, checked once for the HTTP endpoints and the CLI alike: anything wrong is an
 * HttpError 400 naming the field, never a database error. Text must be storable (no NUL, no lone
 * surrogate): Postgres would refuse it, and that must not become a 500.
 */

const MAX_IDS = 1000;
const MAX_NOTE_LENGTH = 2000;

export function badRequest(message: string): HttpError {
  return new HttpError(400, message);
}

function bad(message: string): never {
  throw badRequest(message);
}

function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(text.slice(0, 40));
}

export function rejectUnknown(body: Record<string, unknown>, known: readonly string[], what: string): void {
  const unknown = Object.keys(body).filter((key) => !known.includes(key));
  if (unknown.length > 0)
    bad(`unknown ${what} ${unknown.map(shown).join(', ')}: known are ${known.join(', ')}`);
}

/** A required or optional piece of text, storable and at most `max` characters. */
export function text(
  value: unknown,
  name: string,
  options: { max: number; required: boolean },
): string | null {
  if (value === undefined || value === null) {
    if (options.required) bad(`${name} is required`);
    return null;
  }
  if (typeof value !== 'string') bad(`${name} must be a string`);
  const trimmed = value.trim();
  if (trimmed === '') {
    if (options.required) bad(`${name} must not be empty`);
    return null;
  }
  if (trimmed.length > options.max) bad(`${name} is longer than ${options.max} characters`);
  if (!isStorableText(trimmed)) bad(`${name} contains a NUL character or a lone surrogate`);
  return trimmed;
}

export function providerName(value: unknown, required: boolean): string | null {
  return text(value, 'provider', { max: 100, required });
}

export function modelId(value: unknown, required: boolean): string | null {
  return text(value, 'model_id', { max: MAX_MODEL_ID_LENGTH, required });
}

export function note(value: unknown): string | null {
  return text(value, 'note', { max: MAX_NOTE_LENGTH, required: false });
}

/** A positive whole id, as a JSON number or a string of digits. */
export function id(value: unknown, name: string): number {
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d{1,16}$/.test(value.trim())
        ? Number(value)
        : NaN;
  if (!Number.isSafeInteger(number) || number < 1)
    bad(`${name} must be a positive whole number, got ${shown(value)}`);
  return number;
}

export function ids(value: unknown): number[] {
  if (!Array.isArray(value) || value.length === 0) bad('ids must be a non-empty array of held change ids');
  if (value.length > MAX_IDS) bad(`ids lists ${value.length} ids; at most ${MAX_IDS} at once`);
  return [...new Set(value.map((item) => id(item, 'each id')))];
}

export function booleanValue(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  bad(`${name} must be true or false`);
}

export function heldStatus(value: string | null): HeldStatus | null {
  if (value === null) return 'pending';
  if (value === 'all') return null;
  if (!(HELD_STATUSES as readonly string[]).includes(value))
    bad(`status must be one of ${HELD_STATUSES.join(', ')} or all`);
  return value as HeldStatus;
}

export function limit(value: string | null, fallback: number, max: number): number {
  if (value === null) return fallback;
  const number = /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(number) || number < 1 || number > max)
    bad(`limit must be a whole number from 1 to ${max}`);
  return number;
}

/** An instant Postgres can store, as UTC ISO text (lib/text/instant.ts); anything else is a 400. */
export function instant(value: unknown, name: string, options: { dateAlone?: boolean } = {}): string {
  return parseInstant(value, options) ?? bad(`${name} must be ${INSTANT_FORM}, got ${shown(value)}`);
}

/** The base prices a pin names (BASE_PRICES' `row`: input, output, cache_read, …). */
const PRICE_FIELDS = BASE_PRICES.map((base) => base.row);

function price(value: unknown, name: string, bounds: PriceBounds): string | null {
  if (value === undefined || value === null) return null;
  // A JSON number is a binary float: 0.1 + 0.2 is not 0.3. Money comes as a decimal string.
  let normalized: string | null = null;
  try {
    normalized = typeof value === 'string' ? normalizeDecimal(value.trim()) : null;
  } catch (error) {
    if (!(error instanceof DecimalError)) throw error;
  }
  if (normalized === null)
    bad(`prices.${name} must be a decimal string (USD per 1M tokens), like "0.7", got ${shown(value)}`);
  if (normalized.startsWith('-')) bad(`prices.${name} must not be negative`);
  // The bounds every synced price meets (issue 11): a pin is stored the same way.
  const problem = priceOutOfBounds(normalized, bounds);
  if (problem !== null) bad(`prices.${name} is out of bounds: ${problem}`);
  return normalized;
}

/** Names no price may have: on a plain object they reach its prototype, not a key of its own. */
const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'prototype'];

/**
 * A `prices.extra` key: a name with its unit (`audio_input_usd_per_million_tokens`), lower-case
 * letters, digits and underscores, as the synced extras are named.
 */
function extraPriceName(key: string, name: string): string {
  if (!/^[a-z0-9_]{1,100}$/.test(key) || PROTOTYPE_NAMES.includes(key))
    bad(
      `${name} key ${shown(key)} is not a price name: lower-case letters, digits and _ (at most 100), not ${PROTOTYPE_NAMES.join(', ')}`,
    );
  return key;
}

const MAX_TIERS = 100;
const TIER_PRICE_FIELDS = [
  'input_per_1m_tokens',
  'output_per_1m_tokens',
  'cache_read_per_1m_tokens',
  'cache_write_per_1m_tokens',
] as const;
const TIER_FIELDS = [
  'min_prompt_tokens',
  'max_prompt_tokens',
  'utc_start',
  'utc_end',
  ...TIER_PRICE_FIELDS,
  'extra_prices',
] as const;

function extraPrices(value: unknown, name: string, bounds: PriceBounds): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    bad(`${name} must be an object of decimal strings keyed with their unit`);
  // Built from entries, never by assignment: `extra.__proto__ = …` would set the prototype.
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, item]) => {
      const field = extraPriceName(key, name);
      return [
        field,
        price(item, `${name.replace(/^prices\./, '')}.${field}`, bounds) ??
          bad(`${name}.${field} must be a decimal string`),
      ];
    }),
  );
}

function tierBound(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    bad(`${name} must be a whole number of tokens, got ${shown(value)}`);
  return value;
}

/** `[{min_prompt_tokens?, max_prompt_tokens?, utc_start?, utc_end?, input_per_1m_tokens?, …, extra_prices?}]`, as GET /prices shows tiers. */
function tiers(value: unknown, bounds: PriceBounds): PricingTier[] {
  if (!Array.isArray(value)) bad('prices.tiers must be an array of tiers, as GET /prices shows them');
  if (value.length > MAX_TIERS) bad(`prices.tiers lists ${value.length} tiers; at most ${MAX_TIERS}`);
  return value.map((item: unknown, index) => {
    const name = `prices.tiers.${index}`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) bad(`${name} must be an object`);
    const given = item as Record<string, unknown>;
    rejectUnknown(given, TIER_FIELDS, `${name} field`);
    const tier: PricingTier = {};
    if (given.min_prompt_tokens !== undefined)
      tier.min_prompt_tokens = tierBound(given.min_prompt_tokens, `${name}.min_prompt_tokens`);
    if (given.max_prompt_tokens !== undefined)
      tier.max_prompt_tokens = tierBound(given.max_prompt_tokens, `${name}.max_prompt_tokens`);
    for (const field of ['utc_start', 'utc_end'] as const) {
      const time = given[field];
      if (time === undefined) continue;
      if (typeof time !== 'string' || !/^([01]\d|2[0-3]):[0-5]\d$/.test(time))
        bad(`${name}.${field} must be a time of day HH:MM (UTC), got ${shown(time)}`);
      tier[field] = time;
    }
    for (const field of TIER_PRICE_FIELDS) {
      const value = price(given[field], `tiers.${index}.${field}`, bounds);
      if (value !== null) tier[field] = value;
    }
    if (given.extra_prices !== undefined)
      tier.extra_prices = extraPrices(given.extra_prices, `${name}.extra_prices`, bounds);
    return tier;
  });
}

/**
 * `{input, output, cache_read, cache_write, request, image, extra?, tiers?}`: all six base prices,
 * each a decimal string or null; input or output not null.
 */
export function pinPrices(value: unknown, bounds: PriceBounds): PinPrices {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    bad(
      'prices must be an object like {"input": "3", "output": "15", "cache_read": null, …} (USD per 1M tokens)',
    );
  const given = value as Record<string, unknown>;
  rejectUnknown(given, [...PRICE_FIELDS, 'extra', 'tiers'], 'price field');
  const missing = PRICE_FIELDS.filter((field) => !Object.hasOwn(given, field));
  if (missing.length > 0)
    bad(
      `prices must name every base price, a decimal string or null (a price left out is not taken as none): missing ${missing.join(', ')}`,
    );
  const pin: PinPrices = perBasePrice('row', (base) => price(given[base.row], base.row, bounds));
  if (pin.input === null && pin.output === null) bad('prices must give input or output (or both)');
  if (given.extra !== undefined) pin.extra = extraPrices(given.extra, 'prices.extra', bounds);
  if (given.tiers !== undefined) pin.tiers = tiers(given.tiers, bounds);
  return pin;
}
