import type { ActivePrice, LiteLlmMapSource } from '../db/pricing-store.js';
import { decimalToJsonNumber } from '../money/json-number.js';

/**
 * Where each of our providers' prices go in LiteLLM's map: the key prefix and `litellm_provider`
 * its router looks up. NEAR AI has no LiteLLM provider: its prices go under `nearai/<id>` with
 * `litellm_provider: "nearai"`, which LiteLLM stores but cannot route to on its own.
 */
export const LITELLM_ROUTES: Record<string, string> = {
  openrouter: 'openrouter',
  featherless: 'featherless_ai',
  'alibaba-cloud': 'dashscope',
  nearai: 'nearai',
};

type PriceField = Exclude<keyof ActivePrice, 'provider' | 'modelId' | 'contextLength'>;

/** Our stored price fields -> LiteLLM's keys, with the conversion of each (per 1M -> per token). */
const PRICE_KEYS: [key: string, field: PriceField, perToken: boolean][] = [
  ['input_cost_per_token', 'inputUsdPerMillionTokens', true],
  ['output_cost_per_token', 'outputUsdPerMillionTokens', true],
  ['cache_read_input_token_cost', 'cacheReadUsdPerMillionTokens', true],
  ['cache_creation_input_token_cost', 'cacheWriteUsdPerMillionTokens', true],
  ['input_cost_per_request', 'requestUsd', false],
  ['input_cost_per_image', 'imageUsd', false],
];

/** Price keys of one row as exact JSON number text. */
function priceTexts(row: ActivePrice): Map<string, string> {
  const texts = new Map<string, string>();
  for (const [key, field, perToken] of PRICE_KEYS) {
    const value = row[field];
    if (value === null) continue;
    texts.set(key, decimalToJsonNumber(value, perToken ? -6 : 0));
  }
  return texts;
}

/** One map entry: its base keys in their order (values as JSON), overridden by raw number text. */
interface Entry {
  base: Record<string, unknown>;
  raw: Map<string, string>;
}

/**
 * The LiteLLM cost map, as entries in output order: LiteLLM's entries as our `litellm` provider
 * last applied them, their price keys set from our stored prices (so a pin applies; a key the
 * entry did not have is not added), then our providers' active prices layered over their
 * `<route>/<model id>` keys, keeping whatever non-price keys LiteLLM's entry for that key had.
 */
export function buildLiteLlmMap(source: LiteLlmMapSource): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  for (const [key, base] of Object.entries(source.entries)) entries.set(key, { base, raw: new Map() });
  for (const row of source.prices) {
    const { provider, modelId } = row;
    if (provider === 'litellm') {
      const entry = entries.get(modelId);
      if (!entry) continue;
      for (const [key, text] of priceTexts(row)) if (Object.hasOwn(entry.base, key)) entry.raw.set(key, text);
      continue;
    }
    const route = LITELLM_ROUTES[provider];
    if (!route) continue;
    const key = `${route}/${modelId}`;
    const existing = entries.get(key);
    const entry: Entry = existing ?? { base: {}, raw: new Map() };
    entries.set(key, entry);
    // An entry LiteLLM prices by `tiered_pricing` keeps its tiers (we export no tiers); adding a
    // top-level price beside them would change how LiteLLM bills it, so only present keys are set.
    const tiered = Object.hasOwn(entry.base, 'tiered_pricing');
    for (const [priceKey, text] of priceTexts(row)) {
      if (!tiered || Object.hasOwn(entry.base, priceKey)) entry.raw.set(priceKey, text);
    }
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
