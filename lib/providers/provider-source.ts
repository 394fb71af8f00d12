import type { FetchBudget } from './fetch-budget.js';
import type { NormalizedCatalog, ProviderSlug } from './price-record.js';

export interface FetchContext {
  /** The run's overall deadline; aborting it stops every request and retry of this fetch. */
  signal?: AbortSignal | undefined;
  /** What this provider may send in this run (bytes and items, all pages together). */
  budget?: FetchBudget | undefined;
}

/** What a provider folder builds: fetches its whole catalog and normalizes it to canonical price records. */
export interface CatalogSource {
  readonly slug: ProviderSlug;
  /**
   * Resolves with every record plus the items it had to skip; rejects with `ProviderError` when the
   * catalog as a whole cannot be read (transport, status, size, time, or a payload of the wrong shape).
   */
  fetchCatalog(context?: FetchContext): Promise<NormalizedCatalog>;
}

/** One provider as the sync engine sees it: a catalog source plus its definition's identity. */
export interface ProviderSource extends CatalogSource {
  /** Where its prices come from, stored in `model_pricing.source` (the definition's `sourceLabel`). */
  readonly sourceLabel: string;
}

/** Joins a base URL from env (with or without a trailing slash) and a path. */
export function joinUrl(baseUrl: string, path: string): URL {
  return new URL(`${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`);
}
