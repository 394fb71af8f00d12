import { createHash } from 'node:crypto';
import type { FetchBudget } from './fetch-budget.js';
import type { ItemDigesting } from './item-digest.js';
import type { KnownPage } from './known-page.js';
import type { NormalizedCatalog, ProviderSlug } from './price-record.js';

export interface FetchContext {
  /** The run's overall deadline; aborting it stops every request and retry of this fetch. */
  signal?: AbortSignal | undefined;
  /** What this provider may send in this run (bytes and items, all pages together). */
  budget?: FetchBudget | undefined;
  /**
   * The sync may skip normalizing this catalog (it holds the key of the bytes last applied): a
   * paged source then keeps its pages as parsed until `build`. Otherwise each page is normalized as
   * it arrives and let go, which keeps a large first sync's memory down.
   */
  mayBeUnchanged?: boolean | undefined;
  /**
   * Digest each item with this salt (item-digest.ts), so that `build` may skip the unchanged ones
   * and the sync store each row's digest. A source whose items it cannot digest ignores it.
   */
  itemDigestSalt?: string | undefined;
  /**
   * The pages of the bytes last applied, by key (known-page.ts): a paged source that may skip
   * normalizing (`mayBeUnchanged`) reads such a page's envelope from its layout instead of scanning.
   */
  knownPages?: ReadonlyMap<string, KnownPage> | undefined;
}

/** What `FetchedSource.build` may be told: which items its stored rows stand for (item-digest.ts). */
export interface BuildOptions {
  unchanged?: ItemDigesting['unchanged'];
  /** For items digested by their bytes (json-items.ts): whose stored row stands for this digest. */
  unchangedId?: ItemDigesting['unchangedId'];
}

/**
 * A whole catalog fetched (every page read) but not yet normalized. A paged source has checked
 * every page's envelope; a one-document source parses and checks its document in `build`, so the
 * same bytes as last applied are never parsed.
 */
export interface FetchedSource {
  /**
   * SHA-256 (hex) over the URL and the body digest of every response the catalog is built from,
   * in the order they were read: equal digests mean the same bytes from the same requests.
   */
  digest: string;
  /**
   * Normalizes what was fetched into the catalog `fetchCatalog` gives; called at most once. With
   * `itemsDigested`, the catalog carries each item's digest, and the items `unchanged` names are
   * skipped (listed in `skippedIds`) unless they were normalized as they arrived.
   */
  build(options?: BuildOptions): Promise<NormalizedCatalog>;
  /** Whether the items were digested with the context's `itemDigestSalt`. */
  itemsDigested?: boolean;
  /** A paged source's pages, in the order read, each with its layout (known-page.ts). */
  pages?: readonly KnownPage[];
  /**
   * Called instead of `build` when the sync skips these bytes (the same as last applied), with the
   * number of items they held then. A source that has not parsed them yet counts those items
   * against its budget here, as reading them would have; one that counted them as it read has none.
   */
  skip?(items: number): void;
}

/** What a provider folder builds: fetches its whole catalog and normalizes it to canonical price records. */
export interface CatalogSource {
  readonly slug: ProviderSlug;
  /**
   * Resolves with every record plus the items it had to skip; rejects with `ProviderError` when the
   * catalog as a whole cannot be read (transport, status, size, time, or a payload of the wrong shape).
   */
  fetchCatalog(context?: FetchContext): Promise<NormalizedCatalog>;
  /**
   * The same fetch, digested before it is normalized, so that a sync can skip normalizing bytes
   * it has already applied. Optional: a source without it is always normalized.
   */
  fetchSource?(context?: FetchContext): Promise<FetchedSource>;
}

/** A source built from its two-step fetch: `fetchCatalog` is `fetchSource` then `build`. */
export function digestedSource(
  slug: ProviderSlug,
  fetchSource: (context: FetchContext) => Promise<FetchedSource>,
): CatalogSource {
  return {
    slug,
    fetchSource: (context = {}) => fetchSource(context),
    fetchCatalog: async (context = {}) => (await fetchSource(context)).build(),
  };
}

/** Accumulates a FetchedSource's digest: each response's URL and body digest, in the order read. */
export class SourceDigest {
  private readonly hash = createHash('sha256').update('source-digest v1\n');

  add(url: string | URL, bodyDigest: string): void {
    this.hash.update(`${String(url)}\n${bodyDigest}\n`);
  }

  finish(): string {
    return this.hash.digest('hex');
  }
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
