import { createHash } from 'node:crypto';
import type { Config } from '../config.js';
import { requireKey } from '../edge/authorize.js';
import { HttpError } from '../edge/http-error.js';

/** How long a CDN may keep a public price answer; a sync runs at most hourly. */
export const PUBLIC_S_MAXAGE_SECONDS = 300;

/**
 * Authorizes a read of the price endpoints and returns its Cache-Control. PRICES_PUBLIC=true opens
 * them (pinned, possibly negotiated, prices become world-readable); otherwise PRICES_TOKEN or an
 * admin key is required, and with neither configured every call is denied.
 */
export function authorizePriceRead(request: Request, config: Config): string {
  if (config.pricesPublic) return `public, max-age=0, s-maxage=${PUBLIC_S_MAXAGE_SECONDS}`;
  const keys = [
    ...(config.pricesToken ? [{ name: 'prices', key: config.pricesToken }] : []),
    ...config.adminKeys,
  ];
  requireKey(request, keys, 'PRICES_TOKEN (or PRICES_PUBLIC=true)');
  return 'private, no-store';
}

/**
 * Authorizes POST /prices/cost: PRICES_TOKEN or an admin key, even with PRICES_PUBLIC=true (it
 * computes, at up to 1,000 items a call, where a public read only serves a cached answer).
 */
export function authorizeCostCall(request: Request, config: Config): void {
  const keys = [
    ...(config.pricesToken ? [{ name: 'prices', key: config.pricesToken }] : []),
    ...config.adminKeys,
  ];
  requireKey(request, keys, 'PRICES_TOKEN');
}

/**
 * A strong ETag from the price version and what else shapes the body (the query), so one URL's
 * ETag never validates another's body: `"<kind>-v<version>-<hash>"`.
 */
export function priceEtag(kind: string, version: string, shape: string): string {
  const hash = createHash('sha256').update(shape).digest('base64url').slice(0, 16);
  return `"${kind}-v${version}-${hash}"`;
}

/** The largest price version: versions are Postgres bigints. */
const MAX_VERSION = 9223372036854775807n;

/**
 * The price version an If-None-Match names, when it is one of our ETags for this shape. A version
 * past bigint's range (a forged tag) is no version of ours: not a match, so the answer is a 200.
 */
export function knownVersion(request: Request, kind: string, shape: string): string | null {
  const header = request.headers.get('if-none-match');
  if (!header) return null;
  for (const tag of header.split(',')) {
    const match = /^\s*(?:W\/)?"([a-z]+)-v(\d{1,19})-([A-Za-z0-9_-]{16})"\s*$/.exec(tag);
    if (
      match &&
      match[1] === kind &&
      priceEtag(kind, match[2]!, shape) === `"${match[1]}-v${match[2]}-${match[3]}"` &&
      BigInt(match[2]!) <= MAX_VERSION
    )
      return match[2]!;
  }
  return null;
}

export function notModified(
  etag: string,
  cacheControl: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(null, { status: 304, headers: { ...headers, etag, 'cache-control': cacheControl } });
}

/** Names the stale providers of an answer (`Pricing-Stale-Providers`), comma-separated, empty when none. */
export const STALE_PROVIDERS_HEADER = 'pricing-stale-providers';

/**
 * `?stale=true|false`: whether stale rows are served (flagged) or left out; served unless `false`.
 * Anything else is a 400.
 */
export function includeStale(value: string | null): boolean {
  if (value === null) return true;
  if (value !== 'true' && value !== 'false') throw new HttpError(400, 'stale must be true or false');
  return value === 'true';
}
