import { z } from 'zod';
import { contextLengthSchema, isJsonObject, isNullishContextLength } from '../wire-price.js';

/** `GET /model/list?limit=&offset=`: one page of models and the total to page through. */
export const nearAiPageSchema = z.object({
  models: z.array(z.unknown()),
  total: z.number().int().nonnegative(),
});

/** True only when `nearAiPageSchema` accepts the payload as it is. */
export function isPlainNearAiPage(payload: unknown): payload is z.output<typeof nearAiPageSchema> {
  return (
    isJsonObject(payload) &&
    Array.isArray(payload.models) &&
    Number.isSafeInteger(payload.total) &&
    (payload.total as number) >= 0
  );
}

/** `{amount, scale, currency}`: amount / 10^scale units of currency (NEAR uses scale 9: nano-USD). */
const nearAiPriceSchema = z.object({
  amount: z.union([z.number(), z.string().max(64)]),
  scale: z.number().int().min(0).max(36),
  currency: z.string().max(16),
});
export type NearAiPrice = z.infer<typeof nearAiPriceSchema>;

export const nearAiModelSchema = z.object({
  modelId: z.string(),
  inputCostPerToken: nearAiPriceSchema.nullish(),
  outputCostPerToken: nearAiPriceSchema.nullish(),
  cacheReadCostPerToken: nearAiPriceSchema.nullish(),
  costPerImage: nearAiPriceSchema.nullish(),
  metadata: z.object({ contextLength: contextLengthSchema.nullish() }).nullish(),
});

export type NearAiModel = z.infer<typeof nearAiModelSchema>;

function isNullishPrice(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (!isJsonObject(value)) return false;
  const { amount, scale, currency } = value;
  return (
    ((typeof amount === 'number' && Number.isFinite(amount)) ||
      (typeof amount === 'string' && amount.length <= 64)) &&
    typeof scale === 'number' &&
    Number.isInteger(scale) &&
    scale >= 0 &&
    scale <= 36 &&
    typeof currency === 'string' &&
    currency.length <= 16
  );
}

/** True only when `nearAiModelSchema` accepts the item as it is (see `isPlainOpenRouterModel`). */
export function isPlainNearAiModel(item: unknown): item is NearAiModel {
  if (!isJsonObject(item) || typeof item.modelId !== 'string') return false;
  const metadata = item.metadata;
  if (metadata !== undefined && metadata !== null) {
    if (!isJsonObject(metadata) || !isNullishContextLength(metadata.contextLength)) return false;
  }
  return (
    isNullishPrice(item.inputCostPerToken) &&
    isNullishPrice(item.outputCostPerToken) &&
    isNullishPrice(item.cacheReadCostPerToken) &&
    isNullishPrice(item.costPerImage)
  );
}
