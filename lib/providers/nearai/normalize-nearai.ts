import { scaledAmountPerTokenToPerMillion, scaledAmountToDecimal } from '../../money/decimal.js';
import { buildCatalog, describeZodError, emptyRecord, InvalidItemError } from '../catalog-items.js';
import type { NormalizedCatalog, PriceRecord } from '../price-record.js';
import { convertWirePrice } from '../wire-price.js';
import type { NearAiPrice } from './nearai-api.js';
import { isPlainNearAiModel, nearAiModelSchema, type NearAiModel } from './nearai-api.js';

function checkUsd(field: string, price: NearAiPrice): void {
  // We store USD only; converting currencies is not this sync's job.
  if (price.currency !== 'USD')
    throw new InvalidItemError(`${field}: currency ${JSON.stringify(price.currency)} is not USD`);
}

/** USD per token as amount / 10^scale; per 1M that is amount × 10^(6 − scale), exactly. */
function perMillion(field: string, price: NearAiPrice | null | undefined): string | null {
  if (!price) return null;
  checkUsd(field, price);
  return convertWirePrice(`${field}.amount`, price.amount, (amount) =>
    scaledAmountPerTokenToPerMillion(amount, price.scale),
  );
}

export function normalizeNearAiModel(item: unknown): PriceRecord {
  let model: NearAiModel;
  if (isPlainNearAiModel(item)) {
    model = item;
  } else {
    const parsed = nearAiModelSchema.safeParse(item);
    if (!parsed.success) throw new InvalidItemError(describeZodError(parsed.error));
    model = parsed.data;
  }
  const record = emptyRecord('nearai', model.modelId);
  record.contextLength = model.metadata?.contextLength ?? null;
  record.inputUsdPerMillionTokens = perMillion('inputCostPerToken', model.inputCostPerToken);
  record.outputUsdPerMillionTokens = perMillion('outputCostPerToken', model.outputCostPerToken);
  // Absent when the model has cache pricing turned off.
  record.cacheReadUsdPerMillionTokens = perMillion('cacheReadCostPerToken', model.cacheReadCostPerToken);
  if (model.costPerImage) {
    const image = model.costPerImage;
    checkUsd('costPerImage', image);
    record.imageUsd = convertWirePrice('costPerImage.amount', image.amount, (amount) =>
      scaledAmountToDecimal(amount, image.scale),
    );
  }
  // Some entries carry no price at all: listed, but we cannot bill them.
  const priced = record.inputUsdPerMillionTokens !== null || record.outputUsdPerMillionTokens !== null;
  record.state = priced ? 'active' : 'unpriced';
  return record;
}

export function normalizeNearAiCatalog(items: readonly unknown[]): NormalizedCatalog {
  return buildCatalog(items, 'modelId', normalizeNearAiModel);
}
