import type { PricingStore } from '../db/pricing-store.js';
import type { ProviderRow } from '../db/rpc-results.js';

/** A provider's staleness as whoever judges it says (issue 25's freshness, or staleFromProviders). */
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

/**
 * What the tick knows of staleness without issue 25: a configured provider is stale when its last
 * successful sync is more than twice the sync interval old (two scheduled runs missed). A provider
 * never synced has no state yet and is left out.
 */
export function staleFromProviders(
  rows: readonly ProviderRow[],
  configured: readonly string[],
  intervalHours: number,
  now: Date,
): ProviderFreshness[] {
  const limitMs = 2 * intervalHours * 3_600_000;
  return rows
    .filter((row) => configured.includes(row.provider) && row.lastAttemptAt !== null)
    .map((row) => {
      const ageMs = row.lastSuccessAt === null ? Infinity : now.getTime() - Date.parse(row.lastSuccessAt);
      const stale = ageMs > limitMs;
      return {
        provider: row.provider,
        stale,
        reason: stale ? `no successful sync in ${2 * intervalHours} h` : null,
      };
    });
}
