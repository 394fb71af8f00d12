import type { ModelState, PriceRecord } from '../providers/price-record.js';

/** A model as stored: the canonical record's fields, with `missing` among the states. */
export type StoredModel = Omit<PriceRecord, 'state' | 'provider'> & { state: ModelState };
