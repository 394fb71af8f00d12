import { createHash } from 'node:crypto';
import type { PriceRecord } from '../providers/price-record.js';
import { stableJson } from './compare-records.js';

/** A hash of a normalized catalog, independent of the order the provider listed it in. */
export function catalogHash(
  records: readonly PriceRecord[],
  liteLlmEntries?: Record<string, Record<string, unknown>>,
): string {
  const hash = createHash('sha256');
  // LiteLLM's pass-through entries count too: a change of `mode` alone must reach the store.
  if (liteLlmEntries) hash.update(stableJson(liteLlmEntries)).update('\n');
  const sorted = [...records].sort((a, b) => (a.modelId < b.modelId ? -1 : a.modelId > b.modelId ? 1 : 0));
  for (const record of sorted) hash.update(stableJson(record)).update('\n');
  return hash.digest('hex');
}
