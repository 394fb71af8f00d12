import { createHash, type Hash } from 'node:crypto';
import type { PriceRecord } from '../providers/price-record.js';
import { byCodeUnit, stableJson } from './compare-records.js';

/** PriceRecord's fields in code-unit order: the order stableJson writes them in. */
const RECORD_KEYS = [
  'aliasOf',
  'cacheReadUsdPerMillionTokens',
  'cacheWriteUsdPerMillionTokens',
  'contextLength',
  'extraPrices',
  'imageUsd',
  'inputUsdPerMillionTokens',
  'modelId',
  'outputUsdPerMillionTokens',
  'provider',
  'requestUsd',
  'state',
  'tiers',
] as const satisfies readonly (keyof PriceRecord)[];

const KEY_PREFIXES = RECORD_KEYS.map((key, index) => `${index === 0 ? '{' : ','}${JSON.stringify(key)}:`);

/**
 * stableJson(record), without sorting the record's keys each time: a record with exactly the
 * known fields, none undefined, is written field by field in the known order. Anything else
 * (an extra or a missing field) goes through stableJson. Same text either way, so stored hashes
 * stay valid.
 */
export function recordJson(record: PriceRecord): string {
  const fields = record as unknown as Record<string, unknown>;
  let count = 0;
  for (const key in fields) if (Object.hasOwn(fields, key)) count += 1;
  if (count !== RECORD_KEYS.length) return stableJson(record);
  let text = '';
  for (let index = 0; index < RECORD_KEYS.length; index += 1) {
    const value = fields[RECORD_KEYS[index]!];
    if (value === undefined) return stableJson(record);
    text += KEY_PREFIXES[index]!;
    if (value === null) text += 'null';
    else if (typeof value === 'string' || typeof value === 'number') text += JSON.stringify(value);
    else if (Array.isArray(value) && value.length === 0) text += '[]';
    else text += stableJson(value);
  }
  return `${text}}`;
}

/** Records per hash.update call: fewer calls into the hash, bounded string size. */
const BATCH = 512;

/**
 * Feeds `stableJson(entries) + '\n'` to the hash in batches of entries, the same text as one
 * string would be: the 160,000 entries of a large LiteLLM map made one string of ~35 MB.
 */
function updateWithEntries(hash: Hash, entries: Record<string, Record<string, unknown>>): void {
  const keys = Object.keys(entries);
  if (keys.length > 1) keys.sort(byCodeUnit);
  let batch = '{';
  let first = true;
  let inBatch = 0;
  for (const key of keys) {
    const entry = entries[key];
    if (entry === undefined) continue;
    batch += `${first ? '' : ','}${JSON.stringify(key)}:${stableJson(entry)}`;
    first = false;
    if (++inBatch === BATCH) {
      hash.update(batch);
      batch = '';
      inBatch = 0;
    }
  }
  hash.update(`${batch}}\n`);
}

/** A hash of a normalized catalog, independent of the order the provider listed it in. */
export function catalogHash(
  records: readonly PriceRecord[],
  liteLlmEntries?: Record<string, Record<string, unknown>>,
): string {
  const hash = createHash('sha256');
  // LiteLLM's pass-through entries count too: a change of `mode` alone must reach the store.
  if (liteLlmEntries) updateWithEntries(hash, liteLlmEntries);
  const sorted = [...records].sort((a, b) => (a.modelId < b.modelId ? -1 : a.modelId > b.modelId ? 1 : 0));
  let batch = '';
  for (let index = 0; index < sorted.length; index += 1) {
    batch += `${recordJson(sorted[index]!)}\n`;
    if ((index + 1) % BATCH === 0) {
      hash.update(batch);
      batch = '';
    }
  }
  if (batch !== '') hash.update(batch);
  return hash.digest('hex');
}
