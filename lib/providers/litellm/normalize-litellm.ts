import { parsePrice, perThousandToPerMillion, perTokenToPerMillion } from '../../money/decimal.js';
import {
  CatalogBuilder,
  describeZodError,
  emptyRecord,
  InvalidItemError,
  isPrototypeKey,
  ITEMS_PER_TURN,
  nextTurn,
} from '../catalog-items.js';
import type { NormalizedCatalog, PriceRecord, PricingTier, ProviderSlug } from '../price-record.js';
import { buildTier, tokenCount, type BaseField, type TierPrices } from '../pricing-tier.js';
import { convertWirePrice, isJsonObject, isNullishContextLength, PRICE_KEY_PATTERN } from '../wire-price.js';
import { LITELLM_SAMPLE_SPEC_KEY, liteLlmEntrySchema } from './litellm-api.js';

type Conversion = 'per_token' | 'as_given';

type KnownKey = { base: BaseField; conversion: Conversion } | { extra: string; conversion: Conversion };
const base = (field: BaseField, conversion: Conversion = 'per_token'): KnownKey => ({
  base: field,
  conversion,
});
const extra = (name: string, conversion: Conversion = 'per_token'): KnownKey => ({ extra: name, conversion });

/** LiteLLM costs are USD per token (JSON numbers) unless the key names another unit. */
const KNOWN_KEYS: Record<string, KnownKey> = {
  input_cost_per_token: base('input'),
  output_cost_per_token: base('output'),
  cache_read_input_token_cost: base('cacheRead'),
  cache_creation_input_token_cost: base('cacheWrite'),
  input_cost_per_request: base('request', 'as_given'),
  input_cost_per_image: base('image', 'as_given'),
  cache_creation_input_token_cost_above_1hr: extra('cache_write_1h_per_1m_tokens'),
  output_cost_per_reasoning_token: extra('internal_reasoning_per_1m_tokens'),
  input_cost_per_audio_token: extra('audio_input_per_1m_tokens'),
  output_cost_per_audio_token: extra('audio_output_per_1m_tokens'),
  cache_read_input_audio_token_cost: extra('audio_input_cache_read_per_1m_tokens'),
  input_cost_per_image_token: extra('image_input_per_1m_tokens'),
  output_cost_per_image_token: extra('image_output_per_1m_tokens'),
  output_cost_per_image: extra('image_output_per_image', 'as_given'),
};

/**
 * The LiteLLM key of one of our extra prices, with whether it is per token (our price / 10^6), or
 * null when no key of LiteLLM's names it: the table's extras, then the generic per-token names.
 */
export function liteLlmKeyOfExtra(name: string): { key: string; perToken: boolean } | null {
  for (const [key, known] of Object.entries(KNOWN_KEYS)) {
    if ('extra' in known && known.extra === name) return { key, perToken: known.conversion === 'per_token' };
  }
  if (name.endsWith('_per_1m_tokens'))
    return { key: `${name.slice(0, -'_per_1m_tokens'.length)}_cost_per_token`, perToken: true };
  if (isCostKey(name) && PRICE_KEY_PATTERN.test(name)) return { key: name, perToken: false };
  return null;
}

/** `<kind>_above_<N>k_tokens`: the price once the prompt is longer than N thousand tokens. */
const THRESHOLD_PATTERN = /^(.+)_above_(\d{1,7})k_tokens$/;

type Prices = TierPrices;

function emptyPrices(): Prices {
  return { base: {}, extra: {} };
}

function isCostKey(key: string): boolean {
  return key.includes('cost');
}

/** A cost key we have no table entry for: derive a unit-carrying name from LiteLLM's own. */
function genericTarget(key: string): { extra: string; conversion: Conversion | 'per_1k' } {
  if (key.endsWith('_cost_per_token'))
    return { extra: `${key.slice(0, -'_cost_per_token'.length)}_per_1m_tokens`, conversion: 'per_token' };
  if (key.endsWith('_token_cost'))
    return { extra: `${key.slice(0, -'_token_cost'.length)}_per_1m_tokens`, conversion: 'per_token' };
  if (key.endsWith('_cost_per_1k_tokens')) {
    return { extra: `${key.slice(0, -'_cost_per_1k_tokens'.length)}_per_1m_tokens`, conversion: 'per_1k' };
  }
  // The key already names its unit (`output_cost_per_second`, `input_cost_per_character`): as given.
  return { extra: key, conversion: 'as_given' };
}

function convert(field: string, value: unknown, conversion: Conversion | 'per_1k'): string {
  const converter =
    conversion === 'per_token'
      ? perTokenToPerMillion
      : conversion === 'per_1k'
        ? perThousandToPerMillion
        : parsePrice;
  return convertWirePrice(field, value, converter);
}

function addPrice(prices: Prices, key: string, value: unknown, field: string): void {
  if (!PRICE_KEY_PATTERN.test(key))
    throw new InvalidItemError(`unexpected cost key ${JSON.stringify(key.slice(0, 64))}`);
  if (key === 'search_context_cost_per_query') {
    if (!isJsonObject(value)) throw new InvalidItemError(`${field}: expected an object`);
    for (const [size, cost] of Object.entries(value)) {
      const sizeName = size.replace(/^search_context_size_/, '');
      if (!PRICE_KEY_PATTERN.test(sizeName))
        throw new InvalidItemError(`${field}: unexpected key ${JSON.stringify(size.slice(0, 64))}`);
      prices.extra[`web_search_${sizeName}_context_per_request`] = convert(
        `${field}.${size}`,
        cost,
        'as_given',
      );
    }
    return;
  }
  const known = Object.hasOwn(KNOWN_KEYS, key) ? KNOWN_KEYS[key] : undefined;
  if (known && 'base' in known) {
    prices.base[known.base] = convert(field, value, known.conversion);
    return;
  }
  const target = known ?? genericTarget(key);
  if (isJsonObject(value)) {
    for (const [subKey, subValue] of Object.entries(value)) {
      if (!PRICE_KEY_PATTERN.test(subKey))
        throw new InvalidItemError(`${field}: unexpected key ${JSON.stringify(subKey.slice(0, 64))}`);
      prices.extra[`${target.extra}_${subKey}`] = convert(`${field}.${subKey}`, subValue, target.conversion);
    }
    return;
  }
  prices.extra[target.extra] = convert(field, value, target.conversion);
}

/**
 * `tiered_pricing: [{…costs, range: [from, to]}]`. Alibaba publishes these as "from < tokens ≤ to"
 * (0–32K, 32K–128K, …), so a tier applies from `from + 1` (or 0) up to `to` inclusive.
 */
function tieredPricing(value: unknown): PricingTier[] {
  if (!Array.isArray(value)) throw new InvalidItemError('tiered_pricing: expected an array');
  return value.map((entry: unknown, index) => {
    const where = `tiered_pricing.${index}`;
    if (!isJsonObject(entry)) throw new InvalidItemError(`${where}: expected an object`);
    const range = entry.range;
    if (!Array.isArray(range) || range.length !== 2)
      throw new InvalidItemError(`${where}.range: expected [from, to]`);
    const from = tokenCount(`${where}.range.0`, range[0]);
    const to = tokenCount(`${where}.range.1`, range[1]);
    if (to < from) throw new InvalidItemError(`${where}.range: ends before it starts`);
    const prices = emptyPrices();
    for (const [key, cost] of Object.entries(entry)) {
      if (key === 'range') continue;
      addPrice(prices, key, cost, `${where}.${key}`);
    }
    return buildTier(
      { min_prompt_tokens: from === 0 ? 0 : from + 1, max_prompt_tokens: to },
      prices,
      'image_per_image',
    );
  });
}

/**
 * `max_input_tokens`, else `max_tokens`, else null. Checked without zod when both are plainly
 * valid (nearly every entry); zod reads the others, for its error.
 */
function contextLengthOf(entry: Record<string, unknown>): number | null {
  const maxInput = entry.max_input_tokens;
  const maxTokens = entry.max_tokens;
  if (isNullishContextLength(maxInput) && isNullishContextLength(maxTokens)) {
    return ((maxInput ?? maxTokens) as number | null | undefined) ?? null;
  }
  const parsed = liteLlmEntrySchema.safeParse(entry);
  if (!parsed.success) throw new InvalidItemError(describeZodError(parsed.error));
  return parsed.data.max_input_tokens ?? parsed.data.max_tokens ?? null;
}

/** One cost-map entry -> one canonical record, for `litellm` and for `alibaba-cloud` (`dashscope/*`). */
export function normalizeLiteLlmEntry(provider: ProviderSlug, modelId: string, entry: unknown): PriceRecord {
  if (!isJsonObject(entry)) throw new InvalidItemError('entry: expected an object');
  const record = emptyRecord(provider, modelId);
  record.contextLength = contextLengthOf(entry);

  const base = emptyPrices();
  // Most entries have no `_above_<N>k_tokens` key: no map for them (160,000 entries at scale).
  let thresholds: Map<number, Prices> | null = null;
  let tiers: PricingTier[] = [];
  for (const key in entry) {
    if (!Object.hasOwn(entry, key)) continue;
    const value = entry[key];
    if (key === 'tiered_pricing') {
      tiers = tieredPricing(value);
      continue;
    }
    if (!isCostKey(key)) continue;
    const threshold = THRESHOLD_PATTERN.exec(key);
    if (threshold?.[1] && threshold[2]) {
      const tokens = Number(threshold[2]) * 1000;
      thresholds ??= new Map();
      const prices = thresholds.get(tokens) ?? emptyPrices();
      thresholds.set(tokens, prices);
      addPrice(prices, threshold[1], value, key);
    } else {
      addPrice(base, key, value, key);
    }
  }
  if (thresholds) {
    // "above 200k tokens" means more than 200,000: the tier starts at 200,001.
    const thresholdTiers = [...thresholds.entries()]
      .sort(([a], [b]) => a - b)
      .map(([tokens, prices]) => buildTier({ min_prompt_tokens: tokens + 1 }, prices, 'image_per_image'));
    tiers = [...tiers, ...thresholdTiers];
  }

  const hasBase = base.base.input !== undefined || base.base.output !== undefined;
  const firstTier = tiers[0];
  if (!hasBase && firstTier) {
    // Entries that carry only `tiered_pricing` price their smallest prompts with the first tier.
    record.inputUsdPerMillionTokens = firstTier.input_per_1m_tokens ?? null;
    record.outputUsdPerMillionTokens = firstTier.output_per_1m_tokens ?? null;
    record.cacheReadUsdPerMillionTokens = firstTier.cache_read_per_1m_tokens ?? null;
    record.cacheWriteUsdPerMillionTokens = firstTier.cache_write_per_1m_tokens ?? null;
  }
  record.inputUsdPerMillionTokens = base.base.input ?? record.inputUsdPerMillionTokens;
  record.outputUsdPerMillionTokens = base.base.output ?? record.outputUsdPerMillionTokens;
  record.cacheReadUsdPerMillionTokens = base.base.cacheRead ?? record.cacheReadUsdPerMillionTokens;
  record.cacheWriteUsdPerMillionTokens = base.base.cacheWrite ?? record.cacheWriteUsdPerMillionTokens;
  record.requestUsd = base.base.request ?? null;
  record.imageUsd = base.base.image ?? null;
  record.extraPrices = base.extra;
  record.tiers = tiers;
  const priced =
    record.inputUsdPerMillionTokens !== null ||
    record.outputUsdPerMillionTokens !== null ||
    record.requestUsd !== null ||
    record.imageUsd !== null ||
    Object.keys(record.extraPrices).length > 0;
  record.state = priced ? 'active' : 'unpriced';
  return record;
}

/**
 * Every entry of a cost map (optionally only those whose key passes `select`, renamed by it).
 * `sample_spec` is skipped silently: it is documentation, not a model.
 */
export function normalizeLiteLlmCostMap(
  provider: ProviderSlug,
  costMap: Record<string, unknown>,
  select: (key: string) => string | null = (key) => key,
): NormalizedCatalog {
  const catalog = new CatalogBuilder();
  for (const _turn of normalizeInTurns(catalog, provider, costMap, select));
  return catalog.finish();
}

/**
 * The same catalog as normalizeLiteLlmCostMap, giving the event loop a turn every ITEMS_PER_TURN
 * entries: at scale (160,000 entries) normalizing takes about a second, in which the other
 * providers' fetches and applies would otherwise wait.
 */
export async function normalizeLiteLlmCostMapYielding(
  provider: ProviderSlug,
  costMap: Record<string, unknown>,
  select: (key: string) => string | null = (key) => key,
): Promise<NormalizedCatalog> {
  const catalog = new CatalogBuilder();
  for (const _turn of normalizeInTurns(catalog, provider, costMap, select)) await nextTurn();
  return catalog.finish();
}

/** Normalizes into `catalog`, pausing (yielding) after every ITEMS_PER_TURN entries. */
function* normalizeInTurns(
  catalog: CatalogBuilder,
  provider: ProviderSlug,
  costMap: Record<string, unknown>,
  select: (key: string) => string | null,
): Generator<void, void, void> {
  let inTurn = 0;
  for (const key of Object.keys(costMap)) {
    if (++inTurn === ITEMS_PER_TURN) {
      inTurn = 0;
      yield;
    }
    if (key === LITELLM_SAMPLE_SPEC_KEY) continue;
    if (isPrototypeKey(key)) {
      catalog.skip(key, 'model id is a reserved object key');
      continue;
    }
    const modelId = select(key);
    if (modelId === null) continue;
    const entry = costMap[key];
    catalog.add(modelId, () => normalizeLiteLlmEntry(provider, modelId, entry));
  }
}
