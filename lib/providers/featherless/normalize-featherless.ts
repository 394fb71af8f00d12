import { parsePrice } from '../../money/decimal.js';
import { buildCatalog, describeZodError, emptyRecord, InvalidItemError } from '../catalog-items.js';
import type { NormalizedCatalog, PriceRecord } from '../price-record.js';
import { convertWirePrice } from '../wire-price.js';
import { featherlessModelSchema, isPlainFeatherlessModel, type FeatherlessModel } from './featherless-api.js';

export function normalizeFeatherlessModel(item: unknown): PriceRecord {
  let model: FeatherlessModel;
  if (isPlainFeatherlessModel(item)) {
    model = item;
  } else {
    const parsed = featherlessModelSchema.safeParse(item);
    if (!parsed.success) throw new InvalidItemError(describeZodError(parsed.error));
    model = parsed.data;
  }
  const record = emptyRecord('featherless', model.id);
  record.contextLength = model.context_length ?? null;
  const { input, output } = model.pricing ?? {};
  // Featherless bills by subscription; a model without `pricing` is listed but has no per-token price.
  if (input === null || input === undefined || output === null || output === undefined) return record;
  // Already USD per 1M tokens: no shift.
  record.inputUsdPerMillionTokens = convertWirePrice('pricing.input', input, parsePrice);
  record.outputUsdPerMillionTokens = convertWirePrice('pricing.output', output, parsePrice);
  record.state = 'active';
  return record;
}

export function normalizeFeatherlessCatalog(items: readonly unknown[]): NormalizedCatalog {
  return buildCatalog(items, 'id', normalizeFeatherlessModel);
}
