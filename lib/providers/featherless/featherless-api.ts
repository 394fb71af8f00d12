import { z } from 'zod';
import { contextLengthSchema, isJsonObject, isNullishContextLength } from '../wire-price.js';

/** `GET /models?page=&per_page=`; without `per_page` the whole catalog and no `pagination`. */
export const featherlessPageSchema = z.object({
  data: z.array(z.unknown()),
  pagination: z
    .object({
      current_page: z.number().int(),
      total_pages: z.number().int(),
    })
    .nullish(),
});

/** True only when `featherlessPageSchema` accepts the payload as it is. */
export function isPlainFeatherlessPage(payload: unknown): payload is z.output<typeof featherlessPageSchema> {
  if (!isJsonObject(payload) || !Array.isArray(payload.data)) return false;
  const pagination = payload.pagination;
  return (
    pagination === undefined ||
    pagination === null ||
    (isJsonObject(pagination) &&
      Number.isSafeInteger(pagination.current_page) &&
      Number.isSafeInteger(pagination.total_pages))
  );
}

/** `pricing` is undocumented (seen by a third party): USD per 1M tokens as JSON numbers. */
export const featherlessModelSchema = z.object({
  id: z.string(),
  context_length: contextLengthSchema.nullish(),
  pricing: z
    .object({
      input: z.union([z.number(), z.string().max(64)]).nullish(),
      output: z.union([z.number(), z.string().max(64)]).nullish(),
    })
    .nullish(),
});

export type FeatherlessModel = z.infer<typeof featherlessModelSchema>;

const isNullishPrice = (value: unknown) =>
  value === undefined ||
  value === null ||
  (typeof value === 'number' && Number.isFinite(value)) ||
  (typeof value === 'string' && value.length <= 64);

/** True only when `featherlessModelSchema` accepts the item as it is (see `isPlainOpenRouterModel`). */
export function isPlainFeatherlessModel(item: unknown): item is FeatherlessModel {
  if (!isJsonObject(item) || typeof item.id !== 'string' || !isNullishContextLength(item.context_length)) {
    return false;
  }
  const pricing = item.pricing;
  if (pricing === undefined || pricing === null) return true;
  return isJsonObject(pricing) && isNullishPrice(pricing.input) && isNullishPrice(pricing.output);
}
