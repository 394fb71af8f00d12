import { isStorableText } from '../../text/storable-text.js';
import type { PriceRecord } from '../price-record.js';
import { isJsonObject } from '../wire-price.js';
import { ITEMS_PER_TURN, nextTurn } from '../catalog-items.js';

/** Longest entry kept for pass-through, as JSON (`{"<model id>":{…}}`); LiteLLM's longest is a few KB. */
export const MAX_ENTRY_JSON_LENGTH = 65_536;
/** Deepest entry kept; LiteLLM's are three levels deep (`tiered_pricing[0].range`). */
export const MAX_ENTRY_DEPTH = 32;
/** JSON.stringify writes a number in at most 24 characters (`-2.2250738585072014e-308`). */
const MAX_NUMBER_JSON_LENGTH = 24;
/** …and one character of a string in at most six (`\u001f`). */
const MAX_CHARACTER_JSON_LENGTH = 6;

/**
 * The entries of the normalized records, as published, for the LiteLLM map we serve. An entry
 * Postgres jsonb cannot hold (a NUL, a lone surrogate, in a key or a value), an oversized one or
 * one nested absurdly deep is left out: that model then has no pass-through entry, and nothing
 * else is affected. The event loop gets a turn every ITEMS_PER_TURN records.
 */
export async function storableEntries(
  costMap: Record<string, unknown>,
  records: readonly PriceRecord[],
): Promise<Record<string, Record<string, unknown>>> {
  const entries: Record<string, Record<string, unknown>> = {};
  let inTurn = 0;
  for (const record of records) {
    if (++inTurn === ITEMS_PER_TURN) {
      inTurn = 0;
      await nextTurn();
    }
    const entry = costMap[record.modelId];
    if (isJsonObject(entry) && isStorableEntry(record.modelId, entry)) entries[record.modelId] = entry;
  }
  return entries;
}

/**
 * Whether `{[modelId]: entry}` can be stored as jsonb and is at most MAX_ENTRY_JSON_LENGTH long as
 * JSON. The length is first bounded from above by a walk that the storable check needs anyway;
 * only an entry whose bound is over the limit is written out to be measured exactly (at scale,
 * 160,000 JSON.stringify calls were ~0.4 s).
 */
export function isStorableEntry(modelId: string, entry: Record<string, unknown>): boolean {
  if (!isStorableText(modelId)) return false;
  const bound = storableJsonLengthBound(entry, 1);
  if (bound === null) return false;
  const wrapperBound = 4 + MAX_CHARACTER_JSON_LENGTH * modelId.length; // {"…":…}
  return (
    wrapperBound + bound <= MAX_ENTRY_JSON_LENGTH ||
    JSON.stringify({ [modelId]: entry }).length <= MAX_ENTRY_JSON_LENGTH
  );
}

/**
 * At least the length of JSON.stringify(value); null when Postgres cannot store the value (a key
 * or string with a NUL or a lone surrogate), it is nested more than MAX_ENTRY_DEPTH deep (a
 * recursive writer would overflow the stack on it), or it holds something JSON has no form for.
 */
function storableJsonLengthBound(value: unknown, depth: number): number | null {
  switch (typeof value) {
    case 'string':
      return isStorableText(value) ? 2 + MAX_CHARACTER_JSON_LENGTH * value.length : null;
    case 'number':
      return MAX_NUMBER_JSON_LENGTH;
    case 'boolean':
      return 5;
    case 'object':
      break;
    default:
      return null;
  }
  if (value === null) return 4;
  if (depth > MAX_ENTRY_DEPTH) return null;
  let length = 2;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) {
      const itemLength = storableJsonLengthBound(item, depth + 1);
      if (itemLength === null) return null;
      length += 1 + itemLength;
    }
    return length;
  }
  const object = value as Record<string, unknown>;
  for (const key in object) {
    if (!Object.hasOwn(object, key)) continue;
    if (!isStorableText(key)) return null;
    const itemLength = storableJsonLengthBound(object[key], depth + 1);
    if (itemLength === null) return null;
    length += 4 + MAX_CHARACTER_JSON_LENGTH * key.length + itemLength;
  }
  return length;
}
