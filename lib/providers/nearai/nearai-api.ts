import { z } from 'zod';
import { contextLengthSchema } from '../wire-price.js';

/** `GET /model/list?limit=&offset=`: one page of models and the total to page through. */
export const nearAiPageSchema = z.object({
  models: z.array(z.unknown()),
  total: z.number().int().nonnegative(),
});

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
