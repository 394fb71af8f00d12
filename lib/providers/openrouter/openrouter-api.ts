import { z } from 'zod';
import { contextLengthSchema, isJsonObject } from '../wire-price.js';

/** `GET /models?output_modalities=all`: everything in one response, no pagination. */
export const openRouterCatalogSchema = z.object({
  data: z.array(z.unknown()),
});

/** Only the fields we read. `pricing` is walked key by key in the normalizer (unknown keys are kept). */
export const openRouterModelSchema = z.object({
  id: z.string(),
  pricing: z.custom<Record<string, unknown>>(isJsonObject, 'expected an object').nullish(),
  context_length: contextLengthSchema.nullish(),
  alias_target: z.object({ slug: z.string().min(1).max(512) }).nullish(),
});

export type OpenRouterModel = z.infer<typeof openRouterModelSchema>;
