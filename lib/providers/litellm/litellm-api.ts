import { z } from 'zod';
import { contextLengthSchema, isJsonObject } from '../wire-price.js';

/**
 * `model_prices_and_context_window.json`: one flat object keyed by model id. Entries are walked
 * key by key in the normalizer (every `*cost*` key is a price), so the envelope is only "an object".
 */
export const liteLlmCostMapSchema = z.custom<Record<string, unknown>>(
  isJsonObject,
  'expected an object keyed by model id',
);

/** The non-price fields we read from one entry. */
export const liteLlmEntrySchema = z.object({
  max_input_tokens: contextLengthSchema.nullish(),
  max_tokens: contextLengthSchema.nullish(),
});

/** `sample_spec` documents the format; it is not a model. */
export const LITELLM_SAMPLE_SPEC_KEY = 'sample_spec';
