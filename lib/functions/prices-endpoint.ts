import type { AppContext } from '../app/app-context.js';
import { HttpError } from '../edge/http-error.js';
import { fitPage, MAX_PAGE_BODY_BYTES } from '../edge/page-budget.js';
import { encodeCursor } from '../edge/page-cursor.js';
import { json } from '../edge/responses.js';
import { authorizePriceRead, knownVersion, notModified, priceEtag } from './prices-access.js';
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
 * GET /prices: the prices in force, one page per call, from one SQL call. The ETag follows the
 * price version that every price-writing transaction bumps, so an unchanged table answers 304.
 */
export async function servePrices(request: Request, context: AppContext): Promise<Response> {
  // POST /prices/cost is rewritten to this function too; it only computes.
  if (new URL(request.url).pathname.endsWith('/prices/cost'))
    throw new HttpError(405, 'method GET not allowed; use POST', { allow: 'POST' });
  const cacheControl = authorizePriceRead(request, context.config);
  const { query, shape } = parsePricesQuery(new URL(request.url));
  const page = await context.store.readPrices({
    ...query,
    knownVersion: knownVersion(request, 'prices', shape),
  });
  const etag = priceEtag('prices', page.version, shape);
  if (page.notModified) return notModified(etag, cacheControl);
  const { prices, cutAfter } = fitPage(page.prices, MAX_PAGE_BODY_BYTES);
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
    { etag, 'cache-control': cacheControl },
  );
}
