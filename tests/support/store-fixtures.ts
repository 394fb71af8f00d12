import { emptyRecord } from '../../lib/providers/catalog-items.js';
import type { PriceRecord, ProviderSlug } from '../../lib/providers/price-record.js';

/** A priced record with the given input/output USD per 1M; every other field empty. */
export function priceRecord(
  modelId: string,
  input: string | null,
  output: string | null,
  overrides: Partial<PriceRecord> = {},
): PriceRecord {
  return {
    ...emptyRecord('openrouter', modelId),
    state: 'active',
    inputUsdPerMillionTokens: input,
    outputUsdPerMillionTokens: output,
    ...overrides,
  };
}

/** n records with distinct, deterministic prices (decimal strings built without arithmetic on money). */
export function manyRecords(n: number, provider: ProviderSlug = 'featherless', salt = 0): PriceRecord[] {
  return Array.from({ length: n }, (_, index) =>
    priceRecord(
      `org-${index % 97}/model-${String(index).padStart(6, '0')}`,
      `${index + salt + 1}.5`,
      `${index % 50}.25`,
      {
        provider,
        contextLength: 4096 + (index % 8) * 1024,
      },
    ),
  );
}
