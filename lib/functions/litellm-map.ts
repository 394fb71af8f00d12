import type { ActivePrice, LiteLlmMapSource } from '../db/pricing-store.js';
import { decimalToJsonNumber } from '../money/json-number.js';
import { liteLlmKeyOfExtra, normalizeLiteLlmEntry } from '../providers/litellm/normalize-litellm.js';
import {
  BASE_PRICES,
  basePricesOf,
  type BasePriceField,
  type PricingTier,
} from '../providers/price-record.js';
import { LITELLM_ROUTES } from '../providers/registry.js';
import { sameAsStored } from '../sync/compare-records.js';

/** Our stored base prices -> LiteLLM's keys, with the conversion of each (per 1M -> per token). */
const PRICE_KEYS: [key: string, field: BasePriceField, perToken: boolean][] = BASE_PRICES.flatMap(
  (base): [string, BasePriceField, boolean][] =>
    base.liteLlmKey === null ? [] : [[base.liteLlmKey, base.field, base.perMillionTokens]],
);

/** A tier's token prices -> LiteLLM's keys (per token), as in a `tiered_pricing` item or before `_above_<N>k_tokens`. */
const TIER_KEYS: [key: string, field: keyof PricingTier][] = [
  ['input_cost_per_token', 'input_per_1m_tokens'],
  ['output_cost_per_token', 'output_per_1m_tokens'],
  ['cache_read_input_token_cost', 'cache_read_per_1m_tokens'],
  ['cache_creation_input_token_cost', 'cache_write_per_1m_tokens'],
];

/**
 * The cost keys of one row as exact JSON number text, from our record alone: the base prices, then
 * its tiers. A tier from a prompt size up (`min_prompt_tokens` = N thousand + 1, no end) is
 * `<key>_above_<N>k_tokens`; a tier with an end is an item of `tiered_pricing` (range
 * [min − 1, max]). An extra price goes under the LiteLLM key it was read from (liteLlmKeyOfExtra).
 * A time-of-day tier, a tier's extra prices and an extra with no such key are left out.
 */
function priceTexts(row: ActivePrice): Map<string, string> {
  const texts = new Map<string, string>();
  for (const [key, field, perToken] of PRICE_KEYS) {
    const value = row[field];
    if (value === null) continue;
    texts.set(key, decimalToJsonNumber(value, perToken ? -6 : 0));
  }
  for (const [name, value] of Object.entries(row.extraPrices)) {
    const target = liteLlmKeyOfExtra(name);
    if (target && !texts.has(target.key))
      texts.set(target.key, decimalToJsonNumber(value, target.perToken ? -6 : 0));
  }
  const tiered: string[] = [];
  for (const tier of row.tiers) {
    if (tier.utc_start !== undefined || tier.utc_end !== undefined) continue;
    const min = tier.min_prompt_tokens ?? 0;
    const prices = TIER_KEYS.filter(([, field]) => typeof tier[field] === 'string').map(
      ([key, field]) => [key, decimalToJsonNumber(tier[field] as string, -6)] as const,
    );
    if (tier.max_prompt_tokens === undefined) {
      if (min < 1001 || (min - 1) % 1000 !== 0) continue;
      for (const [key, text] of prices) texts.set(`${key}_above_${(min - 1) / 1000}k_tokens`, text);
      continue;
    }
    const range = `[${min === 0 ? 0 : min - 1},${tier.max_prompt_tokens}]`;
    tiered.push(
      `{${prices.map(([key, text]) => `${JSON.stringify(key)}:${text},`).join('')}"range":${range}}`,
    );
  }
  if (tiered.length > 0) {
    texts.set('tiered_pricing', `[${tiered.join(',')}]`);
    // An entry priced by `tiered_pricing` alone is read with its first tier's prices as the base
    // (normalize-litellm): those base keys are not written again beside the tiers, which LiteLLM
    // would bill by instead.
    const first = row.tiers.find((tier) => tier.utc_start === undefined && tier.utc_end === undefined);
    if (first && (first.min_prompt_tokens ?? 0) === 0 && first.max_prompt_tokens !== undefined) {
      const sameAsFirst = TIER_KEYS.every(([key, field]) => {
        const tierPrice =
          typeof first[field] === 'string' ? decimalToJsonNumber(first[field], -6) : undefined;
        return texts.get(key) === tierPrice;
      });
      if (sameAsFirst) for (const [key] of TIER_KEYS) texts.delete(key);
    }
  }
  return texts;
}

/** A key of LiteLLM's entry that prices something (its normalizer reads every one of them). */
function isCostKey(key: string): boolean {
  return key.includes('cost') || key === 'tiered_pricing';
}

/** The entry without any of its cost keys: what is left to pass through beside our own. */
function withoutCosts(base: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const key in base) if (Object.hasOwn(base, key) && !isCostKey(key)) kept[key] = base[key];
  return kept;
}

/**
 * Whether our stored price of a `litellm` model is the one its stored entry says: then the entry's
 * cost keys are ours and pass through. Not when the change was held, rejected or rolled back, or
 * the model is pinned: the map must then price it from our record alone.
 */
function servesFeedEntry(key: string, entry: Record<string, unknown>, row: ActivePrice): boolean {
  let record;
  try {
    record = normalizeLiteLlmEntry('litellm', key, entry);
  } catch {
    return false;
  }
  return sameAsStored(
    {
      modelId: key,
      state: 'active',
      ...basePricesOf(row),
      extraPrices: row.extraPrices,
      tiers: row.tiers,
      contextLength: record.contextLength,
      aliasOf: record.aliasOf,
    },
    record,
  );
}

/** One map entry: its base keys in their order (values as JSON), overridden by raw number text. */
interface Entry {
  base: Record<string, unknown>;
  raw: Map<string, string>;
}

/**
 * The LiteLLM cost map, as entries in output order: LiteLLM's entries as our `litellm` provider
 * last applied them, then our providers' active prices layered over their `<route>/<model id>` keys.
 * A map entry serves what GET /prices serves for its model and nothing else: a `litellm` entry
 * keeps its cost keys only while our stored price is the one it says; otherwise (held, rejected,
 * pinned, rolled back), and for every `<route>/<model id>` entry, the entry's cost keys are dropped
 * and ours written (docs/api.md lists them). Non-cost keys pass through. A provider's route is its
 * definition's `liteLlmRoute` (`routes`, by slug); a provider without one is left out.
 */
export function buildLiteLlmMap(
  source: LiteLlmMapSource,
  routes: Readonly<Record<string, string>> = LITELLM_ROUTES,
): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  for (const [key, base] of Object.entries(source.entries)) entries.set(key, { base, raw: new Map() });
  for (const row of source.prices) {
    const { provider, modelId } = row;
    if (provider === 'litellm') {
      const entry = entries.get(modelId);
      if (!entry || servesFeedEntry(modelId, entry.base, row)) continue;
      entry.base = withoutCosts(entry.base);
      for (const [key, text] of priceTexts(row)) entry.raw.set(key, text);
      continue;
    }
    const route = Object.hasOwn(routes, provider) ? routes[provider] : undefined;
    if (route === undefined) continue;
    const key = `${route}/${modelId}`;
    const existing = entries.get(key);
    const entry: Entry = existing
      ? { base: withoutCosts(existing.base), raw: new Map() }
      : { base: {}, raw: new Map() };
    entries.set(key, entry);
    for (const [priceKey, text] of priceTexts(row)) entry.raw.set(priceKey, text);
    entry.raw.set('litellm_provider', JSON.stringify(route));
    if (!Object.hasOwn(entry.base, 'mode')) entry.raw.set('mode', '"chat"');
    const contextLength = row.contextLength;
    if (contextLength !== null) {
      if (!Object.hasOwn(entry.base, 'max_input_tokens'))
        entry.raw.set('max_input_tokens', String(contextLength));
      if (!Object.hasOwn(entry.base, 'max_tokens')) entry.raw.set('max_tokens', String(contextLength));
    }
  }
  return entries;
}

/** Key names as JSON strings: a few dozen names recur in every entry, so each is quoted once. */
const quotedNames = new Map<string, string>();
/** Names from a feed are unbounded; past this many, the rest are quoted each time. */
const MAX_QUOTED_NAMES = 4_096;

function quoted(name: string): string {
  let text = quotedNames.get(name);
  if (text === undefined) {
    text = JSON.stringify(name);
    if (quotedNames.size < MAX_QUOTED_NAMES) quotedNames.set(name, text);
  }
  return text;
}

function entryText(key: string, entry: Entry): string {
  let text = `${JSON.stringify(key)}:{`;
  let separator = '';
  for (const name in entry.base) {
    if (!Object.hasOwn(entry.base, name)) continue;
    const value = entry.base[name];
    if (value === undefined) continue;
    text += `${separator}${quoted(name)}:${entry.raw.get(name) ?? JSON.stringify(value)}`;
    separator = ',';
  }
  for (const [name, raw] of entry.raw) {
    if (Object.hasOwn(entry.base, name)) continue;
    text += `${separator}${quoted(name)}:${raw}`;
    separator = ',';
  }
  return `${text}}`;
}

/** Entries per chunk of the streamed body: keeps each chunk around 100 KB. */
const ENTRIES_PER_CHUNK = 500;

/**
 * The map as a byte stream, built chunk by chunk as the reader pulls, so the function never holds
 * the whole body (a buffered Vercel response is capped at 4.5 MB).
 */
export function liteLlmMapStream(entries: Map<string, Entry>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = entries.entries();
  let first = true;
  let done = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (done) return;
      const parts: string[] = [];
      for (let count = 0; count < ENTRIES_PER_CHUNK; count += 1) {
        const next = iterator.next();
        if (next.done) {
          done = true;
          break;
        }
        const [key, entry] = next.value;
        parts.push(`${first ? '{\n' : ',\n'}${entryText(key, entry)}`);
        first = false;
      }
      if (done) parts.push(first ? '{}\n' : '\n}\n');
      controller.enqueue(encoder.encode(parts.join('')));
      if (done) controller.close();
    },
  });
}
