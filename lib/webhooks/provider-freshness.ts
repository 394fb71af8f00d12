import type { PricingStore } from '../db/pricing-store.js';

/** A provider's staleness as whoever judges it says (lib/sync/provider-freshness.ts judges it). */
export interface ProviderFreshness {
  provider: string;
  stale: boolean;
  reason: string | null;
}

/**
 * Records each provider's staleness and writes provider.stale / provider.fresh for each change of
 * it, once per transition (the outbox keeps the last state announced per provider); a provider
 * seen for the first time is announced only when stale. Returns the transitions written.
 */
export async function announceFreshness(
  store: PricingStore,
  states: readonly ProviderFreshness[],
  now: Date | null = null,
): Promise<{ provider: string; stale: boolean }[]> {
  return store.rpc('pricing_webhook_note_freshness', {
    p_states: states,
    p_now: now ? now.toISOString() : null,
  });
}
