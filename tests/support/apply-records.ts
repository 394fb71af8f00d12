import type { ApplyRequest, PricingStore } from '../../lib/db/pricing-store.js';
import type { CommitResult } from '../../lib/db/rpc-results.js';

/** Applies one provider's changes all-or-nothing, as a sync does: stage, then commit. */
export async function applyProvider(store: PricingStore, request: ApplyRequest): Promise<CommitResult> {
  return (await store.stageApply(request)).commit();
}
