import type { AppContext } from '../app/app-context.js';
import { HttpError } from '../edge/http-error.js';
import { fitPage, MAX_PAGE_BODY_BYTES } from '../edge/page-budget.js';
import { encodeCursor } from '../edge/page-cursor.js';
import { json } from '../edge/responses.js';
import { freshnessKey, readFreshnessState, rowFreshness } from '../sync/provider-freshness.js';
import {
  authorizePriceRead,
  knownVersion,
  notModified,
  priceEtag,
  STALE_PROVIDERS_HEADER,
} from './prices-access.js';
import { parsePricesQuery } from './prices-query.js';
import { serveChanges } from './changes-endpoint.js';

/** The path vercel.json rewrites to the /prices function for the change feed. */
export const CHANGES_PATH = '/prices/changes';

/**
 * The /prices function's GET: the change feed at /prices/changes (a rewrite keeps the path the
 * caller asked for, here as on Vercel), the prices in force otherwise.
 */
export function servePriceReads(request: Request, context: AppContext): Promise<Response> {
  if (new URL(request.url).pathname === CHANGES_PATH) return serveChanges(request, context);
  return servePrices(request, context);
}

/**
 * GET /prices: the prices in force, one page per call, each with its freshness (`checked_at`,
 * `stale`, `stale_reason`, `pending_review`). The ETag follows the price version that every
 * price-writing transaction bumps and the providers' freshness (lib/sync/provider-freshness
 * freshnessKey), so an unchanged table answers 304 until a provider syncs or its staleness changes.
 * `?stale=false` leaves the stale providers' rows out.
 */
export async function servePrices(request: Request, context: AppContext): Promise<Response> {
  // POST /prices/cost is rewritten to this function too; it only computes.
  if (new URL(request.url).pathname.endsWith('/prices/cost'))
    throw new HttpError(405, 'method GET not allowed; use POST', { allow: 'POST' });
  const cacheControl = authorizePriceRead(request, context.config);
  const { query, shape, includeStale } = parsePricesQuery(new URL(request.url));
  const freshness = await readFreshnessState(context.store, context.config);
  // A query of some providers is keyed by their freshness alone: another's sync changes nothing here.
  const covered = query.providers ?? null;
  const keyed = covered ? freshness.providers.filter((entry) => covered.includes(entry.provider)) : null;
  const etagShape = `${shape}|${keyed ? freshnessKey(keyed) : freshness.key}`;
  const page = await context.store.readPrices({
    ...query,
    excludeProviders: includeStale ? null : [...freshness.stale.keys()],
    knownVersion: knownVersion(request, 'prices', etagShape),
  });
  const headers = {
    etag: priceEtag('prices', page.version, etagShape),
    'cache-control': cacheControl,
    [STALE_PROVIDERS_HEADER]: [...freshness.stale.keys()].join(','),
  };
  if (page.notModified) return notModified(headers.etag, cacheControl, headers);
  const rows = page.prices.map((row) => ({ ...row, ...rowFreshness(freshness, row.provider) }));
  const { prices, cutAfter } = fitPage(rows, MAX_PAGE_BODY_BYTES);
  const after = cutAfter ?? page.next;
  return json(
    200,
    {
      success: true,
      version: page.version,
      count: prices.length,
      next_cursor: after ? encodeCursor(after) : null,
      prices,
    },
    headers,
  );
}
