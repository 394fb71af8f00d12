import { z } from 'zod';
import { contextLengthSchema } from '../wire-price.js';

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
