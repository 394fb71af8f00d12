import { createHash } from 'node:crypto';
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
export function sourcePartOf(key: string | null, catalog: NormalizedCatalog): SourcePart | null {
  if (key === null || catalog.invalid.length > 0 || (catalog.unreadableIds?.length ?? 0) > 0) return null;
  const { fetched, unpriced, variable } = fetchedCounts(catalog);
  return { key, fetched, unpriced, variable };
}

export function formatFingerprint({ catalogHash, source }: CatalogFingerprint): string {
  if (source === null) return catalogHash;
  return `${catalogHash} source ${source.key} ${source.fetched} ${source.unpriced} ${source.variable}`;
}

/** The stored text read back; a hash alone (as stored before source keys) has no source part. */
export function parseFingerprint(text: string | null): CatalogFingerprint | null {
  if (text === null) return null;
  const [catalogHash, marker, key, ...counts] = text.split(' ');
  if (catalogHash === undefined || catalogHash === '') return null;
  const wellFormed =
    marker === 'source' &&
    key !== undefined &&
    HEX.test(key) &&
    counts.length === 3 &&
    counts.every((n) => COUNT.test(n));
  if (!wellFormed) return { catalogHash, source: null };
  const [fetched, unpriced, variable] = counts.map(Number) as [number, number, number];
  return { catalogHash, source: { key, fetched, unpriced, variable } };
}
