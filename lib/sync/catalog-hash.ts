import { createHash } from 'node:crypto';
import type { PriceRecord } from '../providers/price-record.js';
import { stableJson } from './compare-records.js';

/** A hash of a normalized catalog, independent of the order the provider listed it in. */
export function catalogHash(records: readonly PriceRecord[]): string {
  const hash = createHash('sha256');
  const sorted = [...records].sort((a, b) => (a.modelId < b.modelId ? -1 : a.modelId > b.modelId ? 1 : 0));
  for (const record of sorted) hash.update(stableJson(record)).update('\n');
  return hash.digest('hex');
}
