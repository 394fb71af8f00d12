import type { Config } from '../config.js';
import type { FreshnessRow, PricingStore } from '../db/pricing-store.js';

/**
 * Why a provider's prices are stale: it is no longer in PRICING_SYNC_PROVIDERS, it has never
 * synced successfully, or its last success is older than PRICING_STALE_AFTER_HOURS (its syncs fail,
 * or none ran).
 */
export const STALE_REASONS = ['not_configured', 'never_synced', 'failing'] as const;
export type StaleReason = (typeof STALE_REASONS)[number];

/** What decides staleness besides the stored rows. */
export interface FreshnessSettings {
  /** The configured providers (PRICING_SYNC_PROVIDERS). */
  providers: readonly string[];
  /** PRICING_STALE_AFTER_HOURS. */
  staleAfterHours: number;
}

/** One provider's freshness: every provider with stored models, and every configured one. */
export interface ProviderFreshness {
  provider: string;
  configured: boolean;
  /** Whether it has stored models (a configured provider may have none yet). */
  hasModels: boolean;
  lastSuccessAt: string | null;
  /** The first failure since the last success; null while it succeeds. */
  failingSince: string | null;
  stale: boolean;
  staleReason: StaleReason | null;
}

/** Why a provider is stale at `now`, or null when its prices are current. */
export function staleReasonOf(
  row: Pick<FreshnessRow, 'provider' | 'lastSuccessAt'>,
  settings: FreshnessSettings,
  now: Date,
): StaleReason | null {
  if (!settings.providers.includes(row.provider)) return 'not_configured';
  if (row.lastSuccessAt === null) return 'never_synced';
  const ageMs = now.getTime() - Date.parse(row.lastSuccessAt);
  return ageMs > settings.staleAfterHours * 3_600_000 ? 'failing' : null;
}

/**
 * Every provider with stored models or in the configuration, in slug order, with whether its
 * prices are stale at `now` and why. Pure: the rows come from PricingStore.readFreshness.
 */
export function assessFreshness(
  rows: readonly FreshnessRow[],
  settings: FreshnessSettings,
  now: Date,
): ProviderFreshness[] {
  const byProvider = new Map(rows.map((row) => [row.provider, row]));
  const slugs = new Set([
    ...rows.filter((row) => row.hasModels).map((row) => row.provider),
    ...settings.providers,
  ]);
  return [...slugs].sort().map((provider) => {
    const row = byProvider.get(provider);
    const lastSuccessAt = row?.lastSuccessAt ?? null;
    const staleReason = staleReasonOf({ provider, lastSuccessAt }, settings, now);
    return {
      provider,
      configured: settings.providers.includes(provider),
      hasModels: row?.hasModels ?? false,
      lastSuccessAt,
      failingSince: row?.failingSince ?? null,
      stale: staleReason !== null,
      staleReason,
    };
  });
}

/**
 * The stale providers among those with stored models, by slug, with their reason: what a reader of
 * the prices sees as stale. Comparing two of these tells which providers turned stale or fresh.
 */
export function staleProviders(freshness: readonly ProviderFreshness[]): Map<string, StaleReason> {
  const stale = new Map<string, StaleReason>();
  for (const entry of freshness)
    if (entry.hasModels && entry.staleReason !== null) stale.set(entry.provider, entry.staleReason);
  return stale;
}

/**
 * A key that changes whenever what a price reader is told about freshness may change: each
 * provider's last success (every row's `checked_at` but a missing model's, which changes with the
 * price version) and its stale reason. ETags and any cache of a built answer include it beside the
 * price version.
 */
export function freshnessKey(freshness: readonly ProviderFreshness[]): string {
  return freshness
    .filter((entry) => entry.hasModels)
    .map((entry) => `${entry.provider}@${entry.lastSuccessAt ?? '-'}=${entry.staleReason ?? 'fresh'}`)
    .join(';');
}

/** The providers' freshness now, from one store call; `now` is the database's clock. */
export interface FreshnessState {
  now: Date;
  providers: ProviderFreshness[];
  stale: Map<string, StaleReason>;
  key: string;
}

export function freshnessSettingsOf(
  config: Pick<Config, 'providers' | 'staleAfterHours'>,
): FreshnessSettings {
  return { providers: config.providers, staleAfterHours: config.staleAfterHours };
}

/** Reads the providers' rows and judges them (the database's clock, like the stored times). */
export async function readFreshnessState(
  store: PricingStore,
  config: Pick<Config, 'providers' | 'staleAfterHours'>,
): Promise<FreshnessState> {
  const snapshot = await store.readFreshness();
  const now = new Date(snapshot.now);
  const providers = assessFreshness(snapshot.providers, freshnessSettingsOf(config), now);
  return { now, providers, stale: staleProviders(providers), key: freshnessKey(providers) };
}

/** A provider's freshness as the API shows it (status, `npm run admin -- providers`). */
export function freshnessView(entry: ProviderFreshness): Record<string, unknown> {
  return {
    provider: entry.provider,
    configured: entry.configured,
    has_models: entry.hasModels,
    last_success_at: entry.lastSuccessAt,
    stale: entry.stale,
    stale_reason: entry.staleReason,
    failing_since: entry.failingSince,
  };
}

/** The freshness fields of one served row of `provider`. */
export function rowFreshness(
  state: Pick<FreshnessState, 'stale'>,
  provider: string,
): { stale: boolean; stale_reason: StaleReason | null } {
  const reason = state.stale.get(provider) ?? null;
  return { stale: reason !== null, stale_reason: reason };
}
