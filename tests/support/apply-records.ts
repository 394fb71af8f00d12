import type { ApplyRequest, PricingStore } from '../../lib/db/pricing-store.js';
import type { CommitResult } from '../../lib/db/rpc-results.js';
import type { PriceRecord, ProviderSlug } from '../../lib/providers/price-record.js';

/** Applies one provider's changes all-or-nothing, as a sync does: stage, then commit. */
export async function applyProvider(store: PricingStore, request: ApplyRequest): Promise<CommitResult> {
  return (await store.stageApply(request)).commit();
}

/**
 * Applies these records in run `runId` as a sync of one provider that read everything and held
 * nothing: no missing models, no catalog hash, source 'test'. The provider is `options.provider`,
 * else the first record's, else openrouter; anything in `options` replaces a default.
 */
export function applyRecords(
  store: PricingStore,
  runId: number,
  records: PriceRecord[],
  options: Partial<Omit<ApplyRequest, 'runId' | 'records'>> = {},
): Promise<CommitResult> {
  const provider: ProviderSlug = options.provider ?? records[0]?.provider ?? 'openrouter';
  return applyProvider(store, {
    runId,
    provider,
    records,
    missing: [],
    catalogHash: null,
    held: [],
    source: 'test',
    ...options,
  });
}
