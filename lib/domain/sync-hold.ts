import type { PriceRecord } from '../providers/price-record.js';

/**
 * A change a sync held back, to be recorded as a held-change row: a model's, with the exact record
 * proposed (what an approval applies), or a provider-level hold's, with the models it would have
 * marked missing.
 */
export type SyncHold =
  | { scope: 'model'; reason: string; detail: string; record: PriceRecord }
  | { scope: 'provider'; reason: string; detail: string; missing: string[] };
