import { z } from 'zod';
import { contextLengthSchema, isJsonObject, isNullishContextLength } from '../wire-price.js';

/** `GET /models?output_modalities=all`: everything in one response, no pagination. */
export const openRouterCatalogSchema = z.object({
  data: z.array(z.unknown()),
});

/** True only when `openRouterCatalogSchema` accepts the payload as it is. */
export function isPlainOpenRouterCatalog(
  payload: unknown,
): payload is z.output<typeof openRouterCatalogSchema> {
  return isJsonObject(payload) && Array.isArray(payload.data);
}

/** Only the fields we read. `pricing` is walked key by key in the normalizer (unknown keys are kept). */
export const openRouterModelSchema = z.object({
  id: z.string(),
  pricing: z.custom<Record<string, unknown>>(isJsonObject, 'expected an object').nullish(),
  context_length: contextLengthSchema.nullish(),
  alias_target: z.object({ slug: z.string().min(1).max(512) }).nullish(),
});

export type OpenRouterModel = z.infer<typeof openRouterModelSchema>;

/**
 * True only when `openRouterModelSchema` accepts the item as it is, checked without zod: most items
 * of a 25,000-model catalog are plain, and zod per item was a tenth of a re-sync's CPU. Anything
 * else (a false here) goes through the schema, which words the error; the fields read from a plain
 * item are the ones the schema would have returned.
 */
export function isPlainOpenRouterModel(item: unknown): item is OpenRouterModel {
  if (!isJsonObject(item) || typeof item.id !== 'string') return false;
  const { pricing, alias_target: alias } = item;
  if (pricing !== undefined && pricing !== null && !isJsonObject(pricing)) return false;
  if (!isNullishContextLength(item.context_length)) return false;
  if (alias === undefined || alias === null) return true;
  return (
    isJsonObject(alias) &&
    typeof alias.slug === 'string' &&
    alias.slug.length >= 1 &&
    alias.slug.length <= 512
  );
}
