import { createHash } from 'node:crypto';
import { MAX_KNOWN_PAGES, type KnownPage } from '../providers/known-page.js';
import type { NormalizedCatalog } from '../providers/price-record.js';
import { fetchedCounts } from './plan-provider.js';

/**
 * What a provider row's `catalog_hash` holds: the hash of the catalog last applied (catalog-hash.ts)
 * and, when that catalog was read cleanly (no item skipped) from a source that digests its bytes
 * (FetchedSource), the key of those bytes with the catalog's counts. Both live in the one column
 * so that everything that forgets the hash (a hold, a pin, an operator action) forgets both.
 *
 * With the source part, a sync that receives the very same bytes under the same build and bounds
 * skips normalizing and hashing them: same bytes, same code and same cap give the same catalog.
 */
export interface CatalogFingerprint {
  catalogHash: string;
  source: SourcePart | null;
}

export interface SourcePart {
  /** sourceKey(): the bytes' digest under this build's identity and price bounds. */
  key: string;
  /** The catalog's counts, reported again when it is skipped: models, unpriced, variable. */
  fetched: number;
  unpriced: number;
  variable: number;
  /**
   * A paged source's pages with their layouts (known-page.ts), so that the next sync reads the
   * same bytes' envelopes without scanning them; none when there were more than MAX_KNOWN_PAGES.
   */
  pages?: readonly KnownPage[];
}

/** What, besides the bytes, decides the catalog built from them. */
export interface SourceIdentity {
  /** This build: the package version and, on Vercel, the deployment. */
  build: string;
  /** `PRICING_MAX_PRICE_PER_1M`: a price above it makes its item invalid. */
  maxPricePer1m: string;
}

const SOURCE_VERSION = 'source-key v1';
const HEX = /^[0-9a-f]{64}$/;
const COUNT = /^(0|[1-9][0-9]{0,9})$/;

export function sourceKey(digest: string, identity: SourceIdentity): string {
  return createHash('sha256')
    .update(`${SOURCE_VERSION}\n${identity.build}\n${identity.maxPricePer1m}\n${digest}`)
    .digest('hex');
}

/** The source part of a catalog built from bytes of key `key`, or null when an item was skipped. */
export function sourcePartOf(
  key: string | null,
  catalog: NormalizedCatalog,
  pages?: readonly KnownPage[],
): SourcePart | null {
  if (key === null || catalog.invalid.length > 0 || (catalog.unreadableIds?.length ?? 0) > 0) return null;
  const { fetched, unpriced, variable } = fetchedCounts(catalog);
  return withPages({ key, fetched, unpriced, variable }, pages);
}

/**
 * The source part with the pages just read (their layouts as found now), or without pages when
 * the source is not paged or has more than MAX_KNOWN_PAGES.
 */
export function withPages(source: SourcePart, pages: readonly KnownPage[] | undefined): SourcePart {
  const { pages: _previous, ...rest } = source;
  return pages && pages.length > 0 && pages.length <= MAX_KNOWN_PAGES ? { ...rest, pages } : rest;
}

export function formatFingerprint({ catalogHash, source }: CatalogFingerprint): string {
  if (source === null) return catalogHash;
  const text = `${catalogHash} source ${source.key} ${source.fetched} ${source.unpriced} ${source.variable}`;
  if (!source.pages?.length) return text;
  const pages = source.pages.map(
    (page) => `${page.key}:${page.open}:${page.close}:${page.count}:${page.check}`,
  );
  return `${text} pages ${pages.join(' ')}`;
}

const PAGE = /^([0-9a-f]{64}):(0|[1-9][0-9]{0,9}):(0|[1-9][0-9]{0,9}):(0|[1-9][0-9]{0,9}):([0-9a-f]{16})$/;

/** `pages` words read back; undefined when any is not one (the source part is kept without them). */
function parsePages(words: readonly string[]): KnownPage[] | undefined {
  if (words.length === 0 || words.length > MAX_KNOWN_PAGES) return undefined;
  const pages: KnownPage[] = [];
  for (const word of words) {
    const match = PAGE.exec(word);
    if (!match) return undefined;
    pages.push({
      key: match[1]!,
      open: Number(match[2]),
      close: Number(match[3]),
      count: Number(match[4]),
      check: match[5]!,
    });
  }
  return pages;
}

/** The stored text read back; a hash alone (as stored before source keys) has no source part. */
export function parseFingerprint(text: string | null): CatalogFingerprint | null {
  if (text === null) return null;
  // Words past the most a fingerprint keeps are not split off (a long text costs no more).
  const [catalogHash, marker, key, ...rest] = text.split(' ', 8 + MAX_KNOWN_PAGES);
  if (catalogHash === undefined || catalogHash === '') return null;
  const counts = rest.slice(0, 3);
  const wellFormed =
    marker === 'source' &&
    key !== undefined &&
    HEX.test(key) &&
    counts.length === 3 &&
    counts.every((n) => COUNT.test(n)) &&
    (rest.length === 3 || rest[3] === 'pages');
  if (!wellFormed) return { catalogHash, source: null };
  const [fetched, unpriced, variable] = counts.map(Number) as [number, number, number];
  const pages = rest.length > 3 ? parsePages(rest.slice(4)) : undefined;
  return { catalogHash, source: { key, fetched, unpriced, variable, ...(pages ? { pages } : {}) } };
}
