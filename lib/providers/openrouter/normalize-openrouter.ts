import { perTokenToPerMillion, parsePrice } from '../../money/decimal.js';
import {
  buildCatalog,
  buildCatalogInTurns,
  type PageItems,
  emptyRecord,
  InvalidItemError,
  describeZodError,
} from '../catalog-items.js';
import type { NormalizedCatalog, PriceRecord, PricingTier } from '../price-record.js';
import type { ItemDigesting } from '../item-digest.js';
import { buildTier, tokenCount, type BaseField, type TierPrices } from '../pricing-tier.js';
import { convertWirePrice, isJsonObject, PRICE_KEY_PATTERN } from '../wire-price.js';
import { isPlainOpenRouterModel, openRouterModelSchema, type OpenRouterModel } from './openrouter-api.js';

/**
 * Where each OpenRouter pricing key goes. OpenRouter gives USD per single token for token kinds
 * (converted to per 1M here) and USD per unit for `request`, `image` and `web_search` (kept as given).
 */
const KNOWN_KEYS: Record<string, { base: BaseField } | { extra: string; perToken: boolean }> = {
  prompt: { base: 'input' },
  completion: { base: 'output' },
  input_cache_read: { base: 'cacheRead' },
  input_cache_write: { base: 'cacheWrite' },
  request: { base: 'request' },
  image: { base: 'image' },
  input_cache_write_1h: { extra: 'cache_write_1h_per_1m_tokens', perToken: true },
  internal_reasoning: { extra: 'internal_reasoning_per_1m_tokens', perToken: true },
  audio: { extra: 'audio_input_per_1m_tokens', perToken: true },
  input_audio_cache: { extra: 'audio_input_cache_read_per_1m_tokens', perToken: true },
  audio_output: { extra: 'audio_output_per_1m_tokens', perToken: true },
  image_output: { extra: 'image_output_per_1m_tokens', perToken: true },
  image_token: { extra: 'image_token_per_1m_tokens', perToken: true },
  web_search: { extra: 'web_search_per_request', perToken: false },
};

/** Not prices: `discount` is a numeric fraction on endpoint listings; `overrides` are handled as tiers. */
const NON_PRICE_KEYS = new Set(['discount', 'overrides']);

const NO_KEYS: ReadonlySet<string> = new Set();

/** OpenRouter reports "-1" for routers whose price depends on the model chosen: not a price. */
const VARIABLE_SENTINEL = '-1';

interface MappedPrices extends TierPrices {
  variable: boolean;
}

function mapPrices(
  pricing: Record<string, unknown>,
  where: string,
  skipKeys: ReadonlySet<string>,
): MappedPrices {
  const mapped: MappedPrices = { base: {}, extra: {}, variable: false };
  // for…in over own keys, not Object.entries: no [key, value] array per price of every model.
  for (const key in pricing) {
    if (!Object.hasOwn(pricing, key) || NON_PRICE_KEYS.has(key) || skipKeys.has(key)) continue;
    const value = pricing[key];
    const target = Object.hasOwn(KNOWN_KEYS, key) ? KNOWN_KEYS[key] : undefined;
    // The known keys fit the pattern; only the others need the test.
    if (target === undefined && !PRICE_KEY_PATTERN.test(key))
      throw new InvalidItemError(`${where}: unexpected pricing key ${JSON.stringify(key.slice(0, 64))}`);
    if (value === VARIABLE_SENTINEL) {
      mapped.variable = true;
      continue;
    }
    const field = `${where}.${key}`;
    if (target === undefined) {
      // A price kind we have not mapped yet: keep it, unconverted, under a name that says so.
      mapped.extra[`${key}_as_given`] = convertWirePrice(field, asString(field, value), parsePrice);
    } else if ('base' in target) {
      const perUnit = target.base === 'request' || target.base === 'image';
      mapped.base[target.base] = convertWirePrice(
        field,
        asString(field, value),
        perUnit ? parsePrice : perTokenToPerMillion,
      );
    } else {
      mapped.extra[target.extra] = convertWirePrice(
        field,
        asString(field, value),
        target.perToken ? perTokenToPerMillion : parsePrice,
      );
    }
  }
  return mapped;
}

/** OpenRouter sends prices as strings; a JSON number here means the format changed under us. */
function asString(field: string, value: unknown): string {
  if (typeof value !== 'string')
    throw new InvalidItemError(`${field}: expected a decimal string, got ${typeof value}`);
  return value;
}

const TIER_CONDITION_KEYS = new Set(['min_prompt_tokens', 'max_prompt_tokens', 'utc_start', 'utc_end']);

/**
 * OpenRouter writes time-of-day windows as HHMM integers in UTC (`1000` is 10:00, `100` is 01:00);
 * we store `HH:MM`. A string `HH:MM` is accepted too.
 */
function toUtcTime(field: string, value: unknown): string {
  let hours: number;
  let minutes: number;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 2400) {
    hours = Math.floor(value / 100);
    minutes = value % 100;
  } else if (typeof value === 'string' && /^\d{1,2}:\d{2}$/.test(value)) {
    const [hourText = '', minuteText = ''] = value.split(':');
    hours = Number(hourText);
    minutes = Number(minuteText);
  } else {
    throw new InvalidItemError(`${field}: expected an HHMM time, got ${JSON.stringify(value)?.slice(0, 40)}`);
  }
  if (hours > 24 || minutes > 59 || (hours === 24 && minutes !== 0)) {
    throw new InvalidItemError(`${field}: not a time of day: ${JSON.stringify(value)}`);
  }
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

function toTier(override: unknown, where: string): { tier: PricingTier; variable: boolean } {
  if (!isJsonObject(override)) throw new InvalidItemError(`${where}: expected an object`);
  const tier: PricingTier = {};
  if (override.min_prompt_tokens !== undefined)
    tier.min_prompt_tokens = tokenCount(`${where}.min_prompt_tokens`, override.min_prompt_tokens);
  if (override.max_prompt_tokens !== undefined)
    tier.max_prompt_tokens = tokenCount(`${where}.max_prompt_tokens`, override.max_prompt_tokens);
  if (override.utc_start !== undefined) tier.utc_start = toUtcTime(`${where}.utc_start`, override.utc_start);
  if (override.utc_end !== undefined) tier.utc_end = toUtcTime(`${where}.utc_end`, override.utc_end);
  const prices = mapPrices(override, where, TIER_CONDITION_KEYS);
  return { tier: buildTier(tier, prices, 'image_as_given'), variable: prices.variable };
}

/** One wire item -> one canonical record. Throws `InvalidItemError` for an item that cannot be read. */
export function normalizeOpenRouterModel(item: unknown): PriceRecord {
  let model: OpenRouterModel;
  if (isPlainOpenRouterModel(item)) {
    model = item;
  } else {
    const parsed = openRouterModelSchema.safeParse(item);
    if (!parsed.success) throw new InvalidItemError(describeZodError(parsed.error));
    model = parsed.data;
  }
  const record = emptyRecord('openrouter', model.id);
  record.contextLength = model.context_length ?? null;
  // `~` ids are moving aliases ("latest"); stored as their own rows, pointing at their target.
  record.aliasOf = model.alias_target?.slug ?? null;
  if (!model.pricing) return record;

  const prices = mapPrices(model.pricing, 'pricing', NO_KEYS);
  const overrides = model.pricing.overrides;
  if (overrides !== undefined && !Array.isArray(overrides))
    throw new InvalidItemError('pricing.overrides: expected an array');
  const tiers = (overrides ?? []).map((override, index) => toTier(override, `pricing.overrides.${index}`));
  if (prices.variable || tiers.some((tier) => tier.variable)) {
    record.state = 'variable';
    return record;
  }
  record.state = 'active';
  record.inputUsdPerMillionTokens = prices.base.input ?? null;
  record.outputUsdPerMillionTokens = prices.base.output ?? null;
  record.cacheReadUsdPerMillionTokens = prices.base.cacheRead ?? null;
  record.cacheWriteUsdPerMillionTokens = prices.base.cacheWrite ?? null;
  record.requestUsd = prices.base.request ?? null;
  record.imageUsd = prices.base.image ?? null;
  record.extraPrices = prices.extra;
  record.tiers = tiers.map(({ tier }) => tier);
  return record;
}

/** All items of one catalog; bad items are skipped into `invalid`, the rest pass. */
export function normalizeOpenRouterCatalog(items: readonly unknown[]): NormalizedCatalog {
  return buildCatalog(items, 'id', normalizeOpenRouterModel);
}

/** The same catalog, giving the event loop a turn every ITEMS_PER_TURN models (see buildCatalogInTurns). */
export function normalizeOpenRouterCatalogInTurns(
  items: PageItems,
  digesting?: ItemDigesting,
): Promise<NormalizedCatalog> {
  return buildCatalogInTurns(items, 'id', normalizeOpenRouterModel, digesting);
}
